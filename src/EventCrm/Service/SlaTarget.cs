namespace EventCrm.Service;

public enum SlaTarget { FirstResponse, Resolution }
