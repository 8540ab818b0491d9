namespace EventCrm.Marketing;

/// <summary>What a touch on a channel the system does not deliver itself was.</summary>
public enum TouchKind { Impression, Click, Visit, Attended, Reply }
