namespace EventCrm.Marketing;

/// <summary>A hard bounce: the address does not work. A soft one: it may work later (a full mailbox, a busy server).</summary>
public enum BounceKind { Hard, Soft }
