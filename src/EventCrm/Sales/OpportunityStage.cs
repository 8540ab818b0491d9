namespace EventCrm.Sales;

public enum OpportunityStage { Prospecting, Qualification, Proposal, Negotiation, Won, Lost }
