using Hangfire;
using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Models;

/// <summary>The models' part of the store and their schedules (section <c>Models</c>).</summary>
public static class ModelStorage
{
    /// <summary>
    /// Nightly, all at once (trained together, they read the customers' history once), unless
    /// <c>Models:Schedules:&lt;name&gt;</c> says otherwise.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultSchedules = ModelCatalog.Names.ToDictionary(m => m, _ => "0 2 * * *");

    public static string Schedule(IConfiguration configuration, string model) =>
        configuration[$"Models:Schedules:{model}"] ?? DefaultSchedules[model];

    /// <summary>The declaration (among the modules' recurring jobs) that schedules every model's training.</summary>
    public const string TrainingsSchedule = "train-models";

    /// <summary>The recurring training of one model on a schedule of its own.</summary>
    public static string JobId(string model) => $"train-{model}";

    /// <summary>The recurring training of the models that share a schedule: <c>train-all</c> when they all do.</summary>
    public static string JobId(IReadOnlyCollection<string> models) =>
        models.Count == 1 ? JobId(models.Single())
        : models.Count == ModelCatalog.Names.Length ? "train-all"
        : $"train-{string.Join('+', ModelCatalog.Names.Where(models.Contains))}";

    /// <summary>
    /// The models grouped by schedule, each group one recurring job that trains its models together. The jobs of
    /// other groupings (an earlier start's schedules) are removed, so that no model is trained twice a night.
    /// </summary>
    public static void ScheduleTrainings(IRecurringJobManager jobs, IConfiguration configuration)
    {
        var scheduled = new HashSet<string>();
        foreach (var group in ModelCatalog.Names.GroupBy(m => Schedule(configuration, m)))
        {
            string[] models = [.. group];
            var id = JobId(models);
            scheduled.Add(id);
            if (models.Length == 1)
                jobs.AddOrUpdate<TrainModel>(id, job => job.Run(models[0], null, null, null, null, CancellationToken.None), group.Key);
            else
                jobs.AddOrUpdate<TrainModel>(id, job => job.RunTogether(models, null, CancellationToken.None), group.Key);
        }
        // Every grouping there could be: 31 ids for five models, few enough to remove each at start.
        var groupings = Enumerable.Range(1, (1 << ModelCatalog.Names.Length) - 1)
            .Select(bits => ModelCatalog.Names.Where((_, i) => (bits & (1 << i)) != 0).ToArray());
        foreach (var id in groupings.Select(JobId).Where(id => !scheduled.Contains(id)))
            jobs.RemoveIfExists(id);
    }

    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<ModelCardProjection>(ProjectionLifecycle.Inline);
        options.Storage.ExtendedSchemaObjects.Add(ModelArtifacts.Table());
        options.Schema.For<CustomerScore>()
            .Duplicate(x => x.ChurnRisk)
            .Duplicate(x => x.SegmentName)
            .Duplicate(x => x.ScoredAt);
    }
}
