using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace EventCrm.Integrations;

/// <summary>
/// Where webhooks may go. A subscription's URL is checked when it is given (https outside Development, no
/// credentials, no address that is not public), and every connection is checked again at the moment it is made,
/// against the address it actually connects to, so that a name that resolves to an internal address later (DNS
/// rebinding) reaches nothing either.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhookOptions> options, IHostEnvironment environment)
{
    public const int MaxUrlLength = 2000;

    private WebhookOptions Options => options.Value;

    public bool AllowsHttp => Options.AllowHttp ?? environment.IsDevelopment();

    /// <summary>Why the URL cannot receive webhooks, or null when it can.</summary>
    public string? Refusal(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return "'url' is required.";
        if (url.Length > MaxUrlLength) return $"'url' must be at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return "'url' must be an absolute https address, such as https://hooks.example.com/crm.";
        if (uri.Scheme == "http" && !AllowsHttp) return "'url' must use https.";
        if (uri.UserInfo.Length > 0) return "'url' must not carry a user name or password; authenticate by the signature.";
        if (uri.Fragment.Length > 0) return "'url' must not have a fragment (#...).";
        if (IPAddress.TryParse(uri.IdnHost, out var address) && !Allows(address))
            return $"'url' names a {Kind(address)} address; webhooks go to public addresses only.";
        if (!Options.AllowPrivateTargets && (uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                                             || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)))
            return "'url' names this machine; webhooks go to public addresses only.";
        return null;
    }

    public bool Allows(IPAddress address) => Options.AllowPrivateTargets || Kind(address) is null;

    /// <summary>What kind of non-public address this is, or null for a public one.</summary>
    public static string? Kind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "loopback";
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv6LinkLocal) return "link-local";
            if (address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal) return "private";
            if (address.IsIPv6Multicast) return "multicast";
            if (address.Equals(IPAddress.IPv6Any)) return "unspecified";
            return null;
        }
        var b = address.GetAddressBytes();
        return b switch
        {
            [0, ..] => "unspecified",
            [10, ..] => "private",
            [100, >= 64 and <= 127, ..] => "shared (carrier-grade NAT)",
            [169, 254, ..] => "link-local",
            [172, >= 16 and <= 31, ..] => "private",
            [192, 0, 0, ..] => "reserved",
            [192, 168, ..] => "private",
            [198, 18 or 19, ..] => "benchmarking",
            [>= 224, ..] => "multicast or reserved",
            _ => null,
        };
    }

    /// <summary>The handler every delivery goes through: no redirects, no proxy, and each connection's address checked.</summary>
    public SocketsHttpHandler Handler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = Options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellation) =>
        {
            var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellation);
            var allowed = addresses.Where(Allows).ToArray();
            if (allowed.Length == 0)
                throw new WebhookTargetRefused(addresses.Length == 0
                    ? $"{context.DnsEndPoint.Host} does not resolve"
                    : $"{context.DnsEndPoint.Host} resolves to a {Kind(addresses[0])} address ({addresses[0]}), which webhooks may not reach");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>A delivery that was not attempted because its target is not a public address.</summary>
public sealed class WebhookTargetRefused(string message) : Exception(message);
