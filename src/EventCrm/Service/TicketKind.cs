namespace EventCrm.Service;

public enum TicketKind { Inquiry, Complaint, Feedback }
