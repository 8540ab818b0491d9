namespace EventCrm.Marketing;

/// <summary>Who a frozen recipient is in the campaign: held back, in the A/B test, or among the rest.</summary>
public enum RecipientGroup { Holdout, Test, Rest }
