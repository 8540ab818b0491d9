using EventCrm.Analytics;
using EventCrm.Audit;
using EventCrm.Customers;
using EventCrm.Imports;
using EventCrm.Marketing;
using EventCrm.Infrastructure.Jobs;
using EventCrm.Infrastructure.Storage;
using EventCrm.Models;
using EventCrm.Sales;
using EventCrm.Service;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Infrastructure;

/// <summary>What each context's module adds is there in the built store, database and host.</summary>
[Collection(AppCollection.Name)]
public class when_the_contexts_are_composed(AppFixture app)
{
    [Fact]
    public void every_module_projection_is_in_the_store_with_its_lifecycle()
    {
        var projections = ((StoreOptions)app.Store.Options).Projections.All
            .ToDictionary(p => p.Name, p => p.Lifecycle.ToString());

        projections.ShouldBe(new Dictionary<string, string>
        {
            ["PersonalDataReads"] = "Inline",
            ["CustomerProfile"] = "Inline",
            ["LeadView"] = "Inline",
            ["OpportunityView"] = "Inline",
            ["ActivityView"] = "Inline",
            ["SalesPipelineEntry"] = "Async",
            ["TicketView"] = "Inline",
            ["ImportBatch"] = "Inline",
            ["ModelCard"] = "Inline",
            ["PurchaseFact"] = "Async",
            ["CampaignTouchFact"] = "Async",
            ["AudienceView"] = "Inline",
            ["AudienceMembership"] = "Inline",
            ["CampaignView"] = "Inline",
            ["CampaignRecipientView"] = "Inline",
            ["SuppressionEntry"] = "Inline",
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task every_module_table_and_index_exists_in_the_database()
    {
        var database = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        async Task<bool> Exists(string relation)
        {
            await using var command = database.CreateCommand("select to_regclass($1) is not null");
            command.Parameters.AddWithValue(relation);
            return (bool)(await command.ExecuteScalarAsync())!;
        }

        string[] relations =
        [
            $"{Schemas.Crm}.{CustomerStorage.EmailIndex}", $"{Schemas.Crm}.{CustomerStorage.NameSearchIndex}",
            $"{Schemas.Crm}.{CustomerStorage.TagsIndex}", DuplicateScan.Candidates,               // customers
            $"{Schemas.Crm}.ix_mt_events_user_name", $"{Schemas.Crm}.ix_mt_events_correlation_id", // audit
            SealedLog.Leaves, SealedLog.Nodes, SealedLog.State, SealedLog.Checkpoints, SealedLog.MaskedEvents,
            app.Names.Table<SalesPipelineEntry>(), app.Names.Table<TicketView>(),                // sales, service
            $"{Schemas.Crm}.import_file_pieces", ModelArtifacts.TableName,                       // imports, models
            AnalyticsSchema.CustomerFacts, AnalyticsSchema.PurchaseFacts, AnalyticsSchema.OpportunityFacts,
            AnalyticsSchema.TicketFacts, AnalyticsSchema.CustomerScores, CampaignTouchFactProjection.Table,
            CampaignFactViews.TouchFacts, CampaignFactViews.AttributionFacts,                      // analytics
            AudienceMembership.Members, $"{Schemas.Crm}.{AudienceMembership.CurrentIndex}",
            $"{Schemas.Crm}.{MarketingStorage.UtmIndex}", app.Names.Table<CampaignRecipientView>(),  // marketing
        ];
        foreach (var relation in relations) (await Exists(relation)).ShouldBeTrue(relation);
    }

    [Fact]
    public void every_module_recurring_job_is_declared()
    {
        var jobs = app.Host.Services.GetServices<RecurringJob>().Select(j => j.Id).ToList();

        jobs.ShouldBe([
            DuplicateScan.JobId, RefreshAudiences.JobId, ModelStorage.TrainingsSchedule,
        ], ignoreOrder: true);
    }

    [Fact]
    public void the_contracts_lower_contexts_define_are_answered_by_the_upper_ones()
    {
        app.Host.Services.GetRequiredService<ICustomerScores>().ShouldBeOfType<ScoredCustomers>();
        app.Host.Services.GetRequiredService<IWinProbabilities>().ShouldBeOfType<WinProbabilities>();
        app.Host.Services.GetRequiredService<ICampaignCodes>().ShouldBeOfType<CampaignCodes>();
    }
}
