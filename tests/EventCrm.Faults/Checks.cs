using Npgsql;

namespace EventCrm.Faults;

/// <summary>What must hold after any fault, read from PostgreSQL: every acknowledged command there, once.</summary>
public static class Checks
{
    public static async Task<(int Registrations, int Purchases)> NothingAcknowledgedLostOrDoubled(FaultFixture faults, Ledger ledger)
    {
        ledger.ServerErrors.ShouldBeEmpty("a 5xx other than 503");
        ledger.All.Where(s => s.Kind == "purchase").ShouldAllBe(s => s.Status != System.Net.HttpStatusCode.Conflict,
            "a retried purchase met a moved version: its first attempt committed without an answer to replay");

        var registrations = ledger.Acknowledged("register")
            .Select(r => (Id: r.Answer!.Value.GetProperty("id").GetGuid(), Email: (string)r.Body.GetType().GetProperty("email")!.GetValue(r.Body)!))
            .ToList();
        var purchases = ledger.Acknowledged("purchase").GroupBy(p => p.Customer).ToDictionary(g => g.Key, g => g.Count());
        var ids = registrations.Select(r => r.Id).ToArray();
        var emails = registrations.Select(r => r.Email).ToArray();

        await using var connection = new NpgsqlConnection(faults.Checker);
        await connection.OpenAsync();
        async Task<Dictionary<TKey, TValue>> Read<TKey, TValue>(string sql, object parameter) where TKey : notnull
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue(parameter);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new Dictionary<TKey, TValue>();
            while (await reader.ReadAsync()) rows[reader.GetFieldValue<TKey>(0)] = reader.GetFieldValue<TValue>(1);
            return rows;
        }

        var registered = await Read<string, long>(
            "select data ->> 'email', count(*) from crm.mt_events where type = 'customer_registered' and data ->> 'email' = any($1) group by 1", emails);
        var profiles = await Read<Guid, string>(
            "select id, (data ->> 'email') || ' ' || coalesce(data ->> 'purchaseCount', '0') from crm.mt_doc_customerprofile where id = any($1)", ids);
        var claims = await Read<string, Guid>("select email, owner_id from crm.customer_email_claims where email = any($1)", emails);
        var stored = await Read<Guid, long>(
            "select stream_id, count(*) from crm.mt_events where type = 'purchase_recorded' and stream_id = any($1) group by 1", ids);

        foreach (var (id, email) in registrations)
        {
            registered.GetValueOrDefault(email).ShouldBe(1, $"registration {email} recorded other than once");
            var acknowledged = purchases.GetValueOrDefault(id);
            profiles.GetValueOrDefault(id).ShouldBe($"{email} {acknowledged}", $"customer {id}'s profile is missing, partial or counts other purchases");
            claims.GetValueOrDefault(email).ShouldBe(id, $"{email} is not claimed by customer {id}");
            stored.GetValueOrDefault(id).ShouldBe(acknowledged, $"customer {id}: purchases stored differ from the {acknowledged} acknowledged");
        }
        return (registrations.Count, purchases.Values.Sum());
    }
}
