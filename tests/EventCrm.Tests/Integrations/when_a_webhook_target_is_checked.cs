using System.Net;
using EventCrm.Integrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace EventCrm.Tests.Integrations;

/// <summary>Webhooks never reach the machine itself or its networks unless configured to (SSRF).</summary>
public class when_a_webhook_target_is_checked
{
    private static WebhookTargets Targets(bool allowPrivate = false, string environment = "Production") =>
        new(Options.Create(new WebhookOptions { AllowPrivateTargets = allowPrivate }),
            new HostingEnvironment { EnvironmentName = environment });

    [Theory]
    [InlineData("https://127.0.0.1/hooks", "loopback")]
    [InlineData("https://[::1]/hooks", "loopback")]
    [InlineData("https://10.1.2.3/hooks", "private")]
    [InlineData("https://172.20.0.5/hooks", "private")]
    [InlineData("https://192.168.1.10/hooks", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("https://[fe80::1]/hooks", "link-local")]
    [InlineData("https://[fd00::1]/hooks", "private")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks", "loopback")]
    [InlineData("https://0.0.0.0/hooks", "unspecified")]
    [InlineData("https://localhost/hooks", "this machine")]
    public void an_address_that_is_not_public_is_refused(string url, string kind) =>
        Targets().Refusal(url).ShouldNotBeNull().ShouldContain(kind);

    [Theory]
    [InlineData("http://hooks.example.com/crm", "https")]
    [InlineData("https://user:pw@hooks.example.com/crm", "password")]
    [InlineData("hooks.example.com/crm", "absolute")]
    [InlineData("file:///etc/passwd", "absolute")]
    public void a_url_that_is_not_plain_https_is_refused(string url, string says) =>
        Targets().Refusal(url).ShouldNotBeNull().ShouldContain(says);

    [Fact]
    public void a_public_https_address_is_accepted_and_http_only_in_development()
    {
        Targets().Refusal("https://hooks.example.com/crm").ShouldBeNull();
        Targets().Refusal("https://93.184.215.14/crm").ShouldBeNull();
        Targets(environment: "Development").Refusal("http://hooks.example.com/crm").ShouldBeNull();
        Targets(allowPrivate: true).Refusal("https://127.0.0.1:5641/hooks").ShouldBeNull();
    }

    [Fact]
    public async Task a_connection_to_a_name_that_resolves_to_loopback_is_never_made()
    {
        // A real receiver listens on loopback; the name 'localhost' passes no URL check of its own kind here, so
        // the connection itself is what must refuse.
        await using var receiver = await WebhookReceiver.Start();
        using var client = new HttpClient(Targets().Handler());
        var port = new Uri(receiver.Url).Port;
        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.PostAsync($"http://localhost:{port}/hooks", new StringContent("{}")));
        failure.InnerException.ShouldBeOfType<WebhookTargetRefused>().Message.ShouldContain("loopback");
        receiver.Requests.ShouldBeEmpty();
    }
}
