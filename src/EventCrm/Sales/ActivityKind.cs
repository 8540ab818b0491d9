namespace EventCrm.Sales;

public enum ActivityKind { Call, Meeting, Email, Note, Task }
