namespace EventCrm.Marketing;

/// <summary>Why an address is on the suppression list.</summary>
public enum SuppressionReason { Unsubscribed, HardBounce, Complaint, Manual }
