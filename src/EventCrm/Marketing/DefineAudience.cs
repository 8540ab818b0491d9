using EventCrm.Infrastructure.Http;
using EventCrm.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Marten;

namespace EventCrm.Marketing;

/// <summary>A static list (<c>kind: static</c>, edited by hand or import) or a dynamic audience kept by its <c>filter</c>.</summary>
public record DefineAudience(string Name, AudienceKind? Kind = null, AudienceFilter? Filter = null);

public record AudienceDefinedResponse(Guid Id, int Version) : CreationResponse($"/api/marketing/audiences/{Id}");

/// <summary>An audience definition cleaned once: the name trimmed, the filter in stored form, and what is wrong.</summary>
public sealed record AudienceDefinition(string Name, AudienceKind Kind, AudienceFilter? Filter, ProblemDetails Problem)
{
    public const int MaxNameLength = 200;

    public static AudienceDefinition Of(DefineAudience command)
    {
        var errors = new FieldErrors().RequireText("name", command.Name, MaxNameLength);
        var kind = command.Kind ?? (command.Filter is null ? AudienceKind.Static : AudienceKind.Dynamic);
        AudienceFilter? filter = null;
        if (kind == AudienceKind.Dynamic) filter = AudienceFilter.Clean(command.Filter, errors);
        else if (command.Filter is not null) errors.Add("filter", "A static list has no filter: leave 'filter' out, or make it 'dynamic'.");
        return new AudienceDefinition((command.Name ?? "").Trim(), kind, filter, errors.ToProblem());
    }
}

public static class DefineAudienceEndpoint
{
    public static AudienceDefinition Load(DefineAudience command) => AudienceDefinition.Of(command);

    public static ProblemDetails Validate(AudienceDefinition definition) => definition.Problem;

    [WolverinePost("/api/marketing/audiences", OperationId = "DefineAudience", Summary = "Define an audience",
        Description = "A static list, or a dynamic audience whose filter (an all/any tree of conditions on the profile and scores) decides who belongs. A dynamic audience is filled in the background; its preview shows the count.")]
    [Authorize(Policy = Policies.MarketingWrite)]
    [Tags("Marketing")]
    public static (AudienceDefinedResponse, IStartStream) Post(DefineAudience command, AudienceDefinition definition, TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        return (new AudienceDefinedResponse(id, 1), MartenOps.StartStream<Audience>(id,
            new AudienceDefined(definition.Name, definition.Kind, definition.Filter, Guid.CreateVersion7(), clock.GetUtcNow())));
    }
}
