namespace EventCrm.Customers;

public enum ConsentChannel { Email, Sms, Phone }
