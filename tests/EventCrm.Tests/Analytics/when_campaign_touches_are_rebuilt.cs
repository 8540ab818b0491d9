using EventCrm.Analytics;
using EventCrm.Infrastructure.Projections;
using EventCrm.Marketing;
using EventCrm.Tests.Marketing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventCrm.Tests.Analytics;

/// <summary>
/// The touch facts come from the events alone: a mail sent, bounced, sent again, opened and clicked, and a reported
/// touch with its cost give one row each (the bounce marks the delivery it took back), and rebuilding the projection,
/// over the rows there are or after they were lost, gives the same rows.
/// </summary>
[Collection(AppCollection.Name)]
public class when_campaign_touches_are_rebuilt(AppFixture app)
{
    private static readonly DateTimeOffset T = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    private async Task<List<string>> Rows(Guid campaign)
    {
        await using var command = app.Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            $"select kind, t::text from {CampaignTouchFactProjection.Table} t where campaign_id = $1 order by sequence");
        command.Parameters.AddWithValue(campaign);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0) + " " + reader.GetString(1));
        return rows;
    }

    [Fact]
    public async Task every_touch_is_a_row_and_a_rebuild_gives_the_same_rows()
    {
        var (campaign, mailed, reported) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var session = app.Store.LightweightSession())
        {
            session.Events.StartStream(first,
                new CampaignRecipientAdded(campaign, mailed, RecipientGroup.Rest, "a", 1, T),
                new EmailSent("<m1@example.com>", T.AddMinutes(1)),
                new EmailBounced(BounceKind.Soft, "4.2.2", "mailbox full", "dsn", T.AddHours(1), T.AddMinutes(2)),
                new EmailBounced(BounceKind.Soft, "4.2.2", "mailbox full", "dsn", null, T.AddMinutes(3)),
                new EmailSent("<m1@example.com>", T.AddHours(1)),
                new EmailOpened(T.AddHours(2)),
                new EmailLinkClicked("https://example.com/offer", T.AddHours(3)));
            session.Events.StartStream(second,
                new CampaignRecipientAdded(campaign, reported, null, null, null, T),
                new TouchRecorded(TouchKind.Visit, T.AddDays(1), 12.5m, "eur", "csv"));
            await session.SaveChangesAsync();
        }
        await app.CaughtUp();

        var rows = await Rows(campaign);
        rows.Select(r => r.Split(' ')[0]).ShouldBe(["delivered", "delivered", "open", "click", "visit"]);
        // The two bounces take back the first delivery once; the second delivery stands.
        var touches = await app.Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            $"select count(*) filter (where bounced_at is not null), sum(cost), max(currency), count(distinct customer_id) from {CampaignTouchFactProjection.Table} where campaign_id = '{campaign}'")
            .ExecuteReaderAsync();
        await touches.ReadAsync();
        (touches.GetInt64(0), touches.GetDecimal(1), touches.GetString(2), touches.GetInt64(3)).ShouldBe((1L, 12.5m, "EUR", 2L));
        await touches.DisposeAsync();

        var rebuild = app.Host.Services.GetRequiredService<RebuildProjections>();
        await rebuild.Run(["CampaignTouchFact"], CancellationToken.None);
        (await Rows(campaign)).ShouldBe(rows);

        // Lost rows come back from the events as they were.
        await using (var delete = app.Host.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            $"delete from {CampaignTouchFactProjection.Table} where campaign_id = '{campaign}'"))
            (await delete.ExecuteNonQueryAsync()).ShouldBe(5);
        await rebuild.Run(["CampaignTouchFact"], CancellationToken.None);
        (await Rows(campaign)).ShouldBe(rows);
    }
}
