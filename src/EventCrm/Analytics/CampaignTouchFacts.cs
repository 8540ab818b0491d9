using EventCrm.Infrastructure.Storage;
using EventCrm.Marketing;
using EventCrm.Sales;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;
using StoreTable = Weasel.Postgresql.Tables.Table;

namespace EventCrm.Analytics;

/// <summary>
/// Every campaign touch as a row (<c>analytics.campaign_touches</c>), kept from the events by an asynchronous
/// projection: a delivered e-mail (and, on its row, when a bounce took it back), an open, a click, a touch reported
/// for another channel, and a lead that came with a campaign's UTM code once it converted. A row keeps what its event
/// said (the customer as recorded, the business time, the record time), so a question "as of" a record time reads
/// the same rows; merged duplicates and the campaign a UTM code names are resolved where the rows are read.
/// Each row is keyed by its event: replaying the events over the rows (a rebuild) leaves them as they are.
/// </summary>
public partial class CampaignTouchFactProjection : EventProjection
{
    public const string Table = $"{AnalyticsSchema.Schema}.campaign_touches";

    private readonly IReadOnlyStoreOptions _store;

    public CampaignTouchFactProjection(IReadOnlyStoreOptions store)
    {
        _store = store;
        Name = "CampaignTouchFact";
        Options.TeardownDataOnRebuild = false;
    }

    private string Events => StoreNames.EventsOf(_store);

    // A recipient stream starts with CampaignRecipientAdded, which names the campaign and the customer.
    private string Recipient =>
        $"select (data ->> '{StoreNames.Json<CampaignRecipientAdded>(x => x.CampaignId)}')::uuid, " +
        $"(data ->> '{StoreNames.Json<CampaignRecipientAdded>(x => x.CustomerId)}')::uuid from {Events} where stream_id = ?::uuid and version = 1";

    private void Touch(IEvent recorded, string kind, DateTimeOffset at, IDocumentOperations operations, decimal? cost = null, string? currency = null) =>
        operations.QueueSqlCommand(
            $"insert into {Table} (touch_id, sequence, stream_id, campaign_id, customer_id, kind, touched_at, recorded_at, cost, currency) " +
            "select ?::uuid, ?::bigint, ?::uuid, r.campaign, r.customer, ?::text, ?::timestamptz, ?::timestamptz, ?::numeric, ?::text " +
            $"from ({Recipient}) as r(campaign, customer) on conflict (touch_id) do nothing",
            recorded.Id, recorded.Sequence, recorded.StreamId, kind, at, recorded.Timestamp,
            cost is { } amount ? amount : DBNull.Value, currency is { } money ? money.ToUpperInvariant() : DBNull.Value, recorded.StreamId);

    public void Project(IEvent<EmailSent> sent, IDocumentOperations operations) => Touch(sent, TouchKinds.Delivered, sent.Data.At, operations);

    public void Project(IEvent<EmailOpened> opened, IDocumentOperations operations) => Touch(opened, TouchKinds.Open, opened.Data.At, operations);

    public void Project(IEvent<EmailLinkClicked> clicked, IDocumentOperations operations) => Touch(clicked, TouchKinds.Click, clicked.Data.At, operations);

    public void Project(IEvent<TouchRecorded> touch, IDocumentOperations operations) =>
        Touch(touch, TouchKinds.Of(touch.Data.Kind), touch.Data.At, operations, touch.Data.Cost, touch.Data.Currency);

    /// <summary>A bounce takes back the stream's delivery before it, once: a second bounce of the same mail changes nothing.</summary>
    public void Project(IEvent<EmailBounced> bounced, IDocumentOperations operations) =>
        operations.QueueSqlCommand(
            $"update {Table} set bounced_at = ?::timestamptz where touch_id = (select touch_id from {Table} where stream_id = ?::uuid " +
            $"and kind = '{TouchKinds.Delivered}' and sequence < ?::bigint order by sequence desc limit 1) and bounced_at is null",
            bounced.Timestamp, bounced.StreamId, bounced.Sequence);

    /// <summary>
    /// A lead touches the customer it converts to: at its capture, for the campaign its UTM code names (a lead stream
    /// starts with LeadCaptured). Before its conversion it touches nobody the CRM knows.
    /// </summary>
    public void Project(IEvent<LeadConverted> converted, IDocumentOperations operations) =>
        operations.QueueSqlCommand(
            $"insert into {Table} (touch_id, sequence, stream_id, utm_campaign, customer_id, kind, touched_at, recorded_at) " +
            $"select ?::uuid, ?::bigint, ?::uuid, lower(data -> '{StoreNames.Json<LeadCaptured>(x => x.Utm)}' ->> '{StoreNames.Json<Utm>(x => x.Campaign)}'), ?::uuid, '{TouchKinds.Lead}', " +
            $"(data ->> '{StoreNames.Json<LeadCaptured>(x => x.CapturedAt)}')::timestamptz, ?::timestamptz from {Events} where stream_id = ?::uuid and version = 1 " +
            $"and data -> '{StoreNames.Json<LeadCaptured>(x => x.Utm)}' ->> '{StoreNames.Json<Utm>(x => x.Campaign)}' is not null " +
            "on conflict (touch_id) do nothing",
            converted.Id, converted.Sequence, converted.StreamId, converted.Data.CustomerId, converted.Timestamp, converted.StreamId);

    public static StoreTable Definition()
    {
        var table = new StoreTable(Table);
        table.AddColumn<Guid>("touch_id").AsPrimaryKey();
        table.AddColumn<long>("sequence").NotNull();
        table.AddColumn<Guid>("stream_id").NotNull();
        table.AddColumn<Guid>("campaign_id");
        table.AddColumn<string>("utm_campaign");
        table.AddColumn<Guid>("customer_id").NotNull();
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn("touched_at", "timestamptz").NotNull();
        table.AddColumn("recorded_at", "timestamptz").NotNull();
        table.AddColumn("bounced_at", "timestamptz");
        table.AddColumn("cost", "numeric");
        table.AddColumn<string>("currency");
        table.Indexes.Add(new IndexDefinition("ix_campaign_touches_touched_at") { Columns = ["touched_at"] });
        table.Indexes.Add(new IndexDefinition("ix_campaign_touches_stream") { Columns = ["stream_id", "sequence"] });
        table.Indexes.Add(new IndexDefinition("ix_campaign_touches_campaign") { Columns = ["campaign_id"] });
        return table;
    }
}
