using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EventCrm.Console;

/// <summary>
/// One person in one browser context (its own sessionStorage): every request the pages send, what the browser
/// console reports (a Content-Security-Policy violation, a script error) and any dialog a script opened.
/// </summary>
public sealed class Visit : IAsyncDisposable
{
    private readonly ConsoleApp _app;

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public ConcurrentQueue<(string Method, string Url)> Requests { get; } = new();
    public ConcurrentQueue<string> Problems { get; } = new();
    public ConcurrentQueue<string> Dialogs { get; } = new();

    private Visit(ConsoleApp app, IBrowserContext context, IPage page)
    {
        _app = app;
        Context = context;
        Page = page;
        page.Request += (_, request) => Requests.Enqueue((request.Method, request.Url));
        // An API answer that is not a success (a 404 for a moment before the customer existed, say) is logged by the
        // browser as a failed load; the page shows it in its own words, so it is no problem of the page.
        page.Console += (_, message) =>
        {
            if (message.Type is not ("error" or "warning")) return;
            if (message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)
                && Uri.TryCreate(message.Location, UriKind.Absolute, out var url) && url.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal)) return;
            Problems.Enqueue($"{message.Type}: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => Problems.Enqueue($"page error: {error}");
        page.Dialog += async (_, dialog) => { Dialogs.Enqueue(dialog.Message); await dialog.DismissAsync(); };
    }

    public static async Task<Visit> Start(ConsoleApp app)
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        return new Visit(app, context, await context.NewPageAsync());
    }

    /// <summary>Signs in on the console's first page, as a person pasting their token.</summary>
    public static async Task<Visit> SignedIn(ConsoleApp app, string role, string user = "audrey", TimeSpan? lifetime = null)
    {
        var visit = await Start(app);
        await visit.SignIn(app.Token(role, user, lifetime));
        return visit;
    }

    public async Task SignIn(string token)
    {
        await Open("");
        await Page.GetByLabel("Your token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.Locator("#home")).ToBeVisibleAsync();
    }

    public async Task Open(string page)
    {
        await Page.GotoAsync($"{_app.Url}/console/{page}");
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    public Task Screenshot(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_app.Screenshots, $"{name}.png"), FullPage = true });

    /// <summary>The API requests the pages sent (not the pages, scripts and styles themselves).</summary>
    public IReadOnlyList<(string Method, string Path)> ApiRequests() =>
        [.. Requests.Select(r => (r.Method, Path: new Uri(r.Url).PathAndQuery)).Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal))];

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
