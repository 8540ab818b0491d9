using System.Text;
using EventCrm.Imports;
using Microsoft.Extensions.DependencyInjection;

namespace EventCrm.Tests.Imports;

/// <summary>
/// A generated file of 12,000 rows with the faults of real exports, large enough to go to a background job.
/// The test runs the job itself (the test host runs no job server), first stopping it after one commit, as a
/// crash would, then letting a second run finish: the counts come out exactly as the generator planned them.
/// </summary>
[Collection(AppCollection.Name)]
public class when_a_large_file_is_imported(AppFixture app)
{
    /// <summary>Stops the run as soon as one slice is committed (Progress&lt;T&gt; would report later, on another thread).</summary>
    private sealed class StopAfterFirstCommit(CancellationTokenSource stop) : IProgress<ImportBatch>
    {
        public void Report(ImportBatch value) => stop.Cancel();
    }

    private sealed record Plan(byte[] File, int Rows, int Valid, int Repeats, int MissingEmail, int BadDate, string Domain);

    private static Plan Generate(int rows)
    {
        var random = new Random(7);
        var domain = $"{ImportApi.Unique()}.example.org";
        var text = new StringBuilder("Vorname;Nachname;E-Mail-Adresse;Geburtsdatum;Jahreseinkommen;Land;Notizen\r\n");
        var (valid, repeats, missing, badDate) = (0, 0, 0, 0);
        string? previous = null;
        for (var i = 0; i < rows; i++)
        {
            if (previous is not null && i % 50 == 0)
            {
                text.Append(previous); // an exact repeat of the row before
                repeats++;
                continue;
            }
            var email = i % 40 == 7 ? "" : $"person{i}@{domain}";
            var birth = i % 60 == 11 ? "31.13.1980" : $"{1 + random.Next(28):00}.{1 + random.Next(12):00}.{1940 + random.Next(60)}";
            var notes = i % 25 == 3 ? "\"zwei\r\nZeilen; mit Semikolon\"" : "";
            var line = $"VORNAME{i};nachname;{email};{birth};\"{random.Next(20, 200)}.{random.Next(100, 999)},{random.Next(10, 99)}\";DE;{notes}\r\n";
            if (email.Length == 0) missing++;
            else if (birth.StartsWith("31.13")) badDate++;
            else valid++;
            text.Append(line);
            previous = line;
        }
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text.ToString())).ToArray();
        return new Plan(bytes, rows, valid, repeats, missing, badDate, domain);
    }

    [Fact]
    public async Task it_runs_in_the_background_survives_a_stop_and_counts_every_row()
    {
        var plan = Generate(12_000);
        plan.File.Length.ShouldBeGreaterThan(512 * 1024);

        var accepted = await app.Import("customers", plan.File, "kunden.csv",
            "culture=de-DE&mapping=Vorname%3DfirstName,Nachname%3DlastName,Jahreseinkommen%3DannualIncome,Geburtsdatum%3DbirthDate,E-Mail-Adresse%3Demail,Land%3Dcountry");

        accepted.Context.Response.StatusCode.ShouldBe(202, await accepted.ReadAsTextAsync());
        var batchId = (await accepted.Body()).GetProperty("id").GetGuid();
        accepted.Context.Response.Headers.Location.ToString().ShouldBe($"/api/imports/{batchId}");
        (await app.Get($"/api/imports/{batchId}")).GetProperty("status").GetString().ShouldBe("queued");

        var runner = app.Host.Services.GetRequiredService<ImportRunner>();
        using var stop = new CancellationTokenSource();
        var firstCommit = new StopAfterFirstCommit(stop);
        await Should.ThrowAsync<OperationCanceledException>(() => runner.Run(batchId, firstCommit, stop.Token));
        var halfway = await app.Get($"/api/imports/{batchId}");
        halfway.GetProperty("status").GetString().ShouldBe("running");
        halfway.GetProperty("progress").GetDouble().ShouldBeInRange(0.01, 0.99);

        await runner.Run(batchId, CancellationToken.None);

        var report = await app.Get($"/api/imports/{batchId}?pageSize=200");
        report.GetProperty("status").GetString().ShouldBe("completed");
        var counts = report.GetProperty("counts");
        counts.GetProperty("rows").GetInt32().ShouldBe(plan.Rows);
        counts.GetProperty("created").GetInt32().ShouldBe(plan.Valid);
        counts.GetProperty("duplicates").GetInt32().ShouldBe(plan.Repeats);
        counts.GetProperty("rejected").GetInt32().ShouldBe(plan.MissingEmail + plan.BadDate);
        report.GetProperty("rejected").GetProperty("total").GetInt64().ShouldBe(plan.MissingEmail + plan.BadDate);
        report.Rejected().Values.ShouldAllBe(r => r.Reason() == "email: 'email' is required."
            || r.Reason() == "birthDate: '31.13.1980' is not a date (yyyy-MM-dd, or dd.MM.yyyy in de-DE).");
        (await StoredEvents.Count(app, "customer_registered", $"import:{batchId}")).ShouldBe(plan.Valid);
        var someone = (await app.Rows(batchId, "created")).Values.First().GetProperty("customerId").GetGuid();
        var registered = (await StoredEvents.Of(app, someone))[0].Data;
        registered.GetProperty("name").GetString()!.ShouldMatch(@"^Vorname\d+ Nachname$");
        registered.GetProperty("email").GetString()!.ShouldEndWith($"@{plan.Domain}");
    }
}
