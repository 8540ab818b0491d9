namespace EventCrm.Service;

public enum TicketPriority { Low, Normal, High, Urgent }
