namespace EventCrm.Infrastructure.Security;

/// <summary>The roles a token can carry (claim <c>role</c>).</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Sales = "sales";
    public const string Support = "support";
    public const string Marketing = "marketing";
    public const string Analyst = "analyst";
    public const string Auditor = "auditor";
    /// <summary>A system that follows the CRM: reads the event feed and manages its webhooks, nothing else.</summary>
    public const string Integration = "integration";

    public static readonly IReadOnlyList<string> All = [Admin, Sales, Support, Marketing, Analyst, Auditor, Integration];
}

/// <summary>
/// Authorization policies by capability; endpoints name a policy, never a list of roles, so who may do what
/// is decided in one place.
/// </summary>
public static class Policies
{
    public const string CustomersRead = "customers:read";
    public const string CustomersWrite = "customers:write";
    public const string SalesRead = "sales:read";
    public const string SalesWrite = "sales:write";
    public const string ServiceRead = "service:read";
    public const string ServiceWrite = "service:write";
    public const string AnalyticsRead = "analytics:read";
    public const string ModelsRead = "models:read";
    public const string ModelsTrain = "models:train";
    public const string MarketingRead = "marketing:read";
    public const string MarketingWrite = "marketing:write";
    public const string MarketingHistory = "marketing:history";
    public const string Audit = "audit";
    public const string Integrations = "integrations";
    public const string Admin = "admin";
    /// <summary>Any of the known roles: reading one's own session (<c>GET /api/me</c>).</summary>
    public const string SignedIn = "signed-in";

    internal static readonly IReadOnlyDictionary<string, string[]> RolesFor = new Dictionary<string, string[]>
    {
        [CustomersRead] = [Roles.Admin, Roles.Sales, Roles.Support, Roles.Marketing, Roles.Analyst, Roles.Auditor],
        [CustomersWrite] = [Roles.Admin, Roles.Sales],
        [SalesRead] = [Roles.Admin, Roles.Sales, Roles.Support, Roles.Marketing, Roles.Analyst, Roles.Auditor],
        [SalesWrite] = [Roles.Admin, Roles.Sales],
        [ServiceRead] = [Roles.Admin, Roles.Sales, Roles.Support, Roles.Marketing, Roles.Analyst, Roles.Auditor],
        [ServiceWrite] = [Roles.Admin, Roles.Support],
        [AnalyticsRead] = [Roles.Admin, Roles.Analyst, Roles.Marketing, Roles.Sales],
        [ModelsRead] = [Roles.Admin, Roles.Analyst, Roles.Auditor, Roles.Marketing, Roles.Sales],
        [ModelsTrain] = [Roles.Admin, Roles.Analyst],
        [MarketingRead] = [Roles.Admin, Roles.Marketing, Roles.Analyst],
        [MarketingWrite] = [Roles.Admin, Roles.Marketing],
        // Who was in an audience when, and why: auditors read it too.
        [MarketingHistory] = [Roles.Admin, Roles.Marketing, Roles.Analyst, Roles.Auditor],
        [Audit] = [Roles.Admin, Roles.Auditor],
        [Integrations] = [Roles.Admin, Roles.Integration],
        [Admin] = [Roles.Admin],
        [SignedIn] = [.. Roles.All],
    };
}
