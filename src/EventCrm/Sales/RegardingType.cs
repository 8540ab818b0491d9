namespace EventCrm.Sales;

public enum RegardingType { Customer, Lead, Opportunity }
