using System.Buffers;
using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Wolverine;

namespace EventCrm.Marketing;

/// <summary>
/// The inbound SMTP endpoint where delivery status notifications and complaint reports come back (the envelope
/// sender of our mail is the bounce address), on <c>Marketing:Bounces:SmtpPort</c> (0: off). A report is answered
/// 250 only once what it says is recorded; when recording fails it is answered 451, so the reporting server tries
/// again and nothing is lost.
/// </summary>
public sealed class BounceMailbox(IOptions<MarketingRules> options, IServiceScopeFactory scopes, ILogger<BounceMailbox> logger)
    : BackgroundService
{
    public const int MaxMessageBytes = 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rules = options.Value;
        if (rules.Bounces.SmtpPort <= 0) return;
        var server = new SmtpServer.SmtpServer(
            new SmtpServerOptionsBuilder()
                .ServerName("eventcrm-bounces")
                .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Parse(rules.Bounces.SmtpAddress), rules.Bounces.SmtpPort)))
                .MaxMessageSize(MaxMessageBytes, MaxMessageSizeHandling.Strict)
                .Build(),
            Services(rules));
        logger.LogInformation("Reading bounces on SMTP {Address}:{Port}", rules.Bounces.SmtpAddress, rules.Bounces.SmtpPort);
        await server.StartAsync(stoppingToken);
    }

    private SmtpServer.ComponentModel.ServiceProvider Services(MarketingRules rules)
    {
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new OnlyTheBounceAddress(MailboxAddress.Parse(rules.Sending.BounceAddress).Address));
        services.Add(new Reports(scopes, logger));
        return services;
    }

    private sealed class OnlyTheBounceAddress(string address) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(string.Equals($"{to.User}@{to.Host}", address, StringComparison.OrdinalIgnoreCase));
    }

    private sealed class Reports(IServiceScopeFactory scopes, ILogger logger) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            MimeMessage message;
            try
            {
                using var stream = new MemoryStream(buffer.ToArray());
                message = await MimeMessage.LoadAsync(stream, cancellationToken);
            }
            catch (FormatException)
            {
                return new SmtpResponse(SmtpReplyCode.SyntaxError, "not a MIME message");
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
                foreach (var report in DeliveryStatus.Read(message, "dsn"))
                    await bus.InvokeAsync(report, cancellationToken);
                return SmtpResponse.Ok;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "A delivery report could not be recorded; the reporting server will retry");
                return new SmtpResponse(SmtpReplyCode.Aborted, "try again later");
            }
        }
    }
}
