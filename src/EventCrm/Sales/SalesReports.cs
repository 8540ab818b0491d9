using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace EventCrm.Sales;

/// <summary>
/// The sales reports aggregate in PostgreSQL over the <see cref="SalesPipelineEntry"/> documents, an
/// asynchronous projection: a report can trail the latest command by moments.
/// </summary>
public static class SalesReport
{
    public static decimal? Rate(int part, int whole) =>
        whole == 0 ? null : decimal.Round((decimal)part / whole, 4, MidpointRounding.AwayFromZero);
}
