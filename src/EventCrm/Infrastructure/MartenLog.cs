using JasperFx;
using Marten;
using Marten.Services;
using Npgsql;

namespace EventCrm.Infrastructure;

/// <summary>
/// What Marten reports, at the level it deserves: a command that fails because of the caller (a stale version, a
/// unique value claimed by someone else a moment earlier) is answered with a 409 and logged as information without
/// its SQL or stack; anything else that fails is an error with both. Successes are not logged.
/// </summary>
public sealed class MartenLog(ILogger<MartenLog> logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Database schema changed: {Sql}", sql);

    public void LogSuccess(NpgsqlCommand command) { }

    public void LogSuccess(NpgsqlBatch batch) { }

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failed(ex, command.CommandText);

    public void LogFailure(NpgsqlBatch batch, Exception ex) =>
        Failed(ex, string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText).Take(5)));

    public void LogFailure(Exception ex, string message) => Failed(ex, message);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit) { }

    public void OnBeforeExecute(NpgsqlCommand command) { }

    public void OnBeforeExecute(NpgsqlBatch batch) { }

    private void Failed(Exception ex, string what)
    {
        if (IsTheCallers(ex))
            logger.LogInformation("A write was refused by a concurrent change: {Reason}", Reason(ex));
        else
            logger.LogError(ex, "Marten failed executing {Sql}", what);
    }

    /// <summary>A stream that moved (expected version), or a unique value another request claimed first.</summary>
    public static bool IsTheCallers(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is ConcurrencyException) return true;
            if (ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or "MT003" }) return true;
        }
        return false;
    }

    private static string Reason(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is PostgresException postgres) return postgres.MessageText;
        return ex.Message;
    }
}
