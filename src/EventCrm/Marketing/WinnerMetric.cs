namespace EventCrm.Marketing;

/// <summary>What an A/B test's winner is chosen by.</summary>
public enum WinnerMetric { Clicks, Opens }
