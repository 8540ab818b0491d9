using MimeKit;

namespace EventCrm.Marketing;

/// <summary>
/// Reads what a returned message says: an RFC 3464 delivery status notification (multipart/report;
/// report-type=delivery-status) or an RFC 5965 complaint (report-type=feedback-report), and the Message-ID of the
/// message it is about (from the returned headers or message).
/// </summary>
public static class DeliveryStatus
{
    public static IReadOnlyList<RecordMailEvent> Read(MimeMessage message, string source)
    {
        if (message.Body is not MultipartReport report) return [];
        var original = OriginalMessageId(report);
        if (original is null) return [];

        if (string.Equals(report.ReportType, "feedback-report", StringComparison.OrdinalIgnoreCase))
            return [new RecordMailEvent(original, MailEventKind.Complaint, null, null, source)];
        if (!string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase)) return [];

        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null) return [];
        var events = new List<RecordMailEvent>();
        foreach (var group in status.StatusGroups.Skip(1))
        {
            var action = group["Action"]?.Trim().ToLowerInvariant();
            var code = group["Status"]?.Trim();
            var diagnostic = group["Diagnostic-Code"]?.Trim();
            var kind = action switch
            {
                "failed" when code?.StartsWith('5') == true => MailEventKind.HardBounce,
                "failed" or "delayed" => MailEventKind.SoftBounce,
                _ => (MailEventKind?)null,
            };
            if (kind is { } k) events.Add(new RecordMailEvent(original, k, code, diagnostic, source));
        }
        return events;
    }

    /// <summary>The returned message or its headers (text/rfc822-headers is a message part of headers only, to MimeKit).</summary>
    private static string? OriginalMessageId(MultipartReport report) =>
        report.OfType<MessagePart>().Select(part => part.Message?.MessageId).FirstOrDefault(id => !string.IsNullOrWhiteSpace(id));
}
