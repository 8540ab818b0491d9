using System.Text;
using EventCrm.Marketing;
using MimeKit;

namespace EventCrm.Tests.Marketing;

/// <summary>RFC 3464 delivery status notifications and RFC 5965 complaints, read for what they say about our messages.</summary>
public sealed class DeliveryStatusTests
{
    public static MimeMessage Dsn(string originalMessageId, string action, string status) => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes($"""
        From: MAILER-DAEMON@mx.example
        To: bounces@eventcrm.local
        Subject: Delivery Status Notification
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        Your message could not be delivered.
        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example

        Final-Recipient: rfc822; someone@example.com
        Action: {action}
        Status: {status}
        Diagnostic-Code: smtp; {status} mailbox trouble

        --b1
        Content-Type: text/rfc822-headers

        Message-ID: <{originalMessageId}>
        Subject: Spring sale

        --b1--
        """.Replace("\n", "\r\n"))));

    [Fact]
    public void a_failed_delivery_with_a_permanent_status_is_a_hard_bounce_of_the_original_message()
    {
        var events = DeliveryStatus.Read(Dsn("abc.def.123@mail.example", "failed", "5.1.1"), "dsn");

        events.ShouldBe([new RecordMailEvent("abc.def.123@mail.example", MailEventKind.HardBounce, "5.1.1", "smtp; 5.1.1 mailbox trouble", "dsn")]);
    }

    [Fact]
    public void a_delay_or_a_temporary_failure_is_a_soft_bounce_and_a_delivery_is_nothing()
    {
        DeliveryStatus.Read(Dsn("x@y", "delayed", "4.2.2"), "dsn").Single().Kind.ShouldBe(MailEventKind.SoftBounce);
        DeliveryStatus.Read(Dsn("x@y", "failed", "4.4.1"), "dsn").Single().Kind.ShouldBe(MailEventKind.SoftBounce);
        DeliveryStatus.Read(Dsn("x@y", "delivered", "2.0.0"), "dsn").ShouldBeEmpty();
    }

    [Fact]
    public void an_ordinary_message_says_nothing() =>
        DeliveryStatus.Read(new MimeMessage { Body = new TextPart("plain") { Text = "out of office" } }, "dsn").ShouldBeEmpty();
}
