using JasperFx.Events.Projections;
using Marten;

namespace EventCrm.Imports;

/// <summary>The imports' part of the store: the batches' read model and the stored files.</summary>
public static class ImportStorage
{
    public static void Configure(StoreOptions options)
    {
        options.Projections.Add<ImportBatchProjection>(ProjectionLifecycle.Inline);
        options.Storage.ExtendedSchemaObjects.Add(ImportFiles.Table());
        options.Schema.For<ImportBatch>().Duplicate(x => x.StartedAt);
    }
}
