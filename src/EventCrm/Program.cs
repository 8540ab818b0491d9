using EventCrm.Analytics;
using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Demo;
using EventCrm.Imports;
using EventCrm.Infrastructure;
using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Jobs;
using EventCrm.Infrastructure.Observability;
using EventCrm.Infrastructure.Security;
using EventCrm.Integrations;
using EventCrm.Marketing;
using EventCrm.Models;
using EventCrm.Sales;
using EventCrm.Service;
using EventCrm.WebConsole;
using JasperFx;
using Serilog;
using Wolverine.Http;

CrmConsole.Prepare();
var builder = WebApplication.CreateBuilder(args);
if (CrmConsole.Refusal(args, builder.Configuration) is { } refusal)
{
    Console.Error.WriteLine(refusal);
    return 2;
}

// The floor every context stands on: HTTP conventions, security, the store and messaging, jobs, docs, health.
builder.AddCrmLogging();
builder.AddCrmObservability();
builder.WebHost.UseCrmKestrel();
builder.Services.AddCrmHttp(builder.Configuration);
builder.Services.AddCrmSecurity(builder.Configuration, builder.Environment);
builder.Services.AddCrmMarten(builder.Configuration);
builder.Host.UseCrmWolverine(builder.Configuration);
builder.Services.AddCrmJobs(builder.Configuration);
builder.Services.AddCrmOpenApi();
builder.Services.AddCrmHealthChecks();

// The contexts, lowest floor first; each composes itself. The read views across them (timeline) need no
// services of their own.
builder.Services
    .AddAudit()
    .AddCustomers()
    .AddSales()
    .AddImports()
    .AddService()
    .AddModels()
    .AddMarketing()
    .AddAnalytics()
    .AddIntegrations()
    .AddDemo();

var app = builder.Build();

app.UseCorrelationId();
// Outside the exception handler: the request's line shows the answer the client got (a 503 while the database
// is away, say), not the exception that the handler turned into it.
app.UseSerilogRequestLogging(CrmLogging.EnrichRequestLog);
app.UseExceptionHandler();
app.UseStatusCodePages();
// The console's static pages, before routing: they are no API operation and hold no data (see WebConsoleModule).
app.UseWebConsole();
app.UseRouting();
app.UseCrmObservability();
app.UseHttpRejections();
app.UseRateLimits();
app.UseAuthentication();
app.UseAuthorization();
app.UseRequestBodyLimit();
app.UseInputGuard();
app.UseIdempotencyKeys();

app.MapCrmHealthChecks();
app.MapCrmOpenApi(builder.Configuration);
app.MapCrmJobsDashboard();
app.MapWolverineEndpoints(CrmHttp.ConfigureEndpoints);

if (CrmConsole.IsHelp(args) && args.Length > 0) CrmConsole.WriteOwnVerbs();
return await app.RunJasperFxCommands(args);

/// <summary>Entry point; public so that the integration tests can host the application.</summary>
public partial class Program;
