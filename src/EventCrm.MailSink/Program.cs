using System.Net;

namespace EventCrm.MailSink;

/// <summary>
/// <c>dotnet EventCrm.MailSink.dll [--smtp-port 2525] [--http-port 8025] [--address 127.0.0.1]</c>: the local mail sink of
/// <c>build/crm run</c>. Mail sent to its SMTP port is kept in memory and listed on its web page.
/// </summary>
internal static class MailSinkProgram
{
    public static async Task Main(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var address = Arg("--address", "127.0.0.1");
        var smtpPort = int.Parse(Arg("--smtp-port", "2525"));
        var httpPort = int.Parse(Arg("--http-port", "8025"));

        await using var sink = await SmtpSink.Start(smtpPort, address);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:{httpPort}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();

        app.MapGet("/", () => Results.Content(Page.List(sink.Messages), "text/html; charset=utf-8"));
        app.MapGet("/messages", () => sink.Messages.Select(m => new
        {
            m.Number, m.EnvelopeFrom, m.EnvelopeTo, m.MessageId, m.Subject, From = m.Message.From.ToString(), To = m.Message.To.ToString(),
            m.ReceivedAt, ListUnsubscribe = m.Header("List-Unsubscribe"), ListUnsubscribePost = m.Header("List-Unsubscribe-Post"),
        }));
        app.MapGet("/messages/{number:int}", (int number) => sink.Messages.FirstOrDefault(m => m.Number == number) is { } mail
            ? Results.Content(Page.Show(mail), "text/html; charset=utf-8") : Results.NotFound());
        app.MapGet("/messages/{number:int}/raw", (int number) => sink.Messages.FirstOrDefault(m => m.Number == number) is { } mail
            ? Results.Bytes(mail.Raw, "message/rfc822") : Results.NotFound());
        app.MapPost("/clear", () => { sink.Clear(); return Results.Redirect("/"); });

        Console.WriteLine($"Mail sink: SMTP on {address}:{smtpPort}, messages at http://{address}:{httpPort}/");
        await app.RunAsync();
    }
}

internal static class Page
{
    public static string List(IReadOnlyList<ReceivedMail> messages) => Html("Mail sink", $"""
        <p>{messages.Count} messages. <form method="post" action="/clear" style="display:inline"><button>Clear</button></form></p>
        <table><tr><th>#</th><th>received</th><th>to</th><th>subject</th></tr>
        {string.Concat(messages.Reverse().Take(500).Select(m => $"<tr><td><a href=\"/messages/{m.Number}\">{m.Number}</a></td><td>{m.ReceivedAt:HH:mm:ss}</td><td>{E(string.Join(", ", m.EnvelopeTo))}</td><td>{E(m.Subject)}</td></tr>"))}
        </table>
        """);

    public static string Show(ReceivedMail mail) => Html(mail.Subject, $"""
        <p><a href="/">all messages</a> · <a href="/messages/{mail.Number}/raw">raw</a></p>
        <pre>{E(string.Join("\n", mail.Message.Headers.Select(h => $"{h.Field}: {h.Value}")))}</pre>
        <h2>Text</h2><pre>{E(mail.Message.TextBody ?? "")}</pre>
        <h2>HTML</h2><iframe sandbox srcdoc="{E(mail.Message.HtmlBody ?? "")}" style="width:100%;height:30rem;border:1px solid #ccc"></iframe>
        """);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Html(string title, string body) =>
        $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{E(title)}</title><style>body{{font-family:system-ui,sans-serif;margin:2rem}}td,th{{padding:.2rem .6rem;text-align:left}}pre{{white-space:pre-wrap}}</style></head><body><h1>{E(title)}</h1>{body}</body></html>";
}
