using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Mvc;
using MimeKit;

namespace EventCrm.Marketing;

/// <summary>What the relay said to one message.</summary>
public abstract record RelayAnswer
{
    public sealed record Accepted : RelayAnswer;

    /// <summary>Refused for good (5xx: no such mailbox, say): a bounce at hand-over.</summary>
    public sealed record Refused(int Status, string Text) : RelayAnswer;

    /// <summary>Refused for now (4xx: try later).</summary>
    public sealed record Deferred(int Status, string Text) : RelayAnswer;
}

/// <summary>
/// The SMTP relay marketing mail goes through (MailKit). A connection is opened per batch and reused for each of its
/// messages (an SmtpClient is not thread-safe; the sending queue runs one batch at a time). The envelope sender is
/// the bounce address, so delivery status notifications come back there.
/// </summary>
public sealed class MailRelay(IOptions<MarketingRules> options)
{
    private SendingRules Rules => options.Value.Sending;

    public async Task<RelayConnection> Connect(CancellationToken cancellation)
    {
        var client = new SmtpClient { Timeout = (int)Rules.SmtpTimeout.TotalMilliseconds };
        try
        {
            var tls = Rules.Tls.ToLowerInvariant() switch
            {
                "none" => SecureSocketOptions.None,
                "always" => SecureSocketOptions.StartTls,
                "tls" => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTlsWhenAvailable,
            };
            await client.ConnectAsync(Rules.SmtpHost, Rules.SmtpPort, tls, cancellation);
            if (!string.IsNullOrEmpty(Rules.SmtpUser))
                await client.AuthenticateAsync(Rules.SmtpUser, Rules.SmtpPassword ?? "", cancellation);
            return new RelayConnection(client, MailboxAddress.Parse(Rules.BounceAddress));
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public const int RetryAfterSeconds = 30;

    /// <summary>Whether the relay could not be reached or dropped the session (as opposed to refusing a message).</summary>
    public static bool IsUnavailable(Exception e) =>
        e is System.Net.Sockets.SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException
            or System.Security.Authentication.AuthenticationException or MailKit.Security.AuthenticationException
            or SslHandshakeException or SmtpCommandException
        || (e is OperationCanceledException && e.InnerException is TimeoutException);

    /// <summary>The answer to a request that needed the relay while it is away.</summary>
    public static ProblemDetails Unavailable => new()
    {
        Type = "urn:eventcrm:problem:mail-relay-unavailable",
        Title = "The mail relay cannot be reached just now.",
        Status = StatusCodes.Status503ServiceUnavailable,
        Detail = "Nothing was sent or recorded. Retry after the number of seconds in Retry-After.",
    };

    /// <summary>A one-off message (a test mail, a confirmation) on a connection of its own.</summary>
    public async Task<RelayAnswer> SendOne(MimeMessage message, CancellationToken cancellation)
    {
        await using var connection = await Connect(cancellation);
        return await connection.Send(message, cancellation);
    }
}

public sealed class RelayConnection(SmtpClient client, MailboxAddress envelopeSender) : IAsyncDisposable
{
    /// <summary>
    /// Hands one message over. A refusal is an answer; anything else (the connection dropped, a timeout, the
    /// process stopping) throws, and then nobody knows whether the relay kept the message.
    /// </summary>
    public async Task<RelayAnswer> Send(MimeMessage message, CancellationToken cancellation)
    {
        try
        {
            await client.SendAsync(message, envelopeSender, message.To.Mailboxes, cancellation);
            return new RelayAnswer.Accepted();
        }
        catch (SmtpCommandException refused) when (refused.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted)
        {
            var status = (int)refused.StatusCode;
            if (client.IsConnected) await ResetQuietly(cancellation);
            return status >= 500 ? new RelayAnswer.Refused(status, refused.Message) : new RelayAnswer.Deferred(status, refused.Message);
        }
    }

    private async Task ResetQuietly(CancellationToken cancellation)
    {
        try { await client.NoOpAsync(cancellation); }
        catch (Exception e) when (e is ServiceNotConnectedException or SmtpCommandException or IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected) await client.DisconnectAsync(true);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or OperationCanceledException or ServiceNotConnectedException) { }
        client.Dispose();
    }
}
