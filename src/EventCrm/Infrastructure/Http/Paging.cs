namespace EventCrm.Infrastructure.Http;

/// <summary>One page of a longer result, with the total so that a client can show "page 2 of 40".</summary>
public record Page<T>(IReadOnlyList<T> Items, long PageNumber, long PageSize, long Total)
{
    public long PageCount => PageSize == 0 ? 0 : (Total + PageSize - 1) / PageSize;
}

public static class Paging
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;

    /// <summary>
    /// How far into a result a page may start. Beyond it a page number is a mistake (or an attack: PostgreSQL would
    /// read and throw away every row before it); narrow the filters instead.
    /// </summary>
    public const long MaxOffset = 10_000_000;

    /// <summary>How far ahead of the server's clock an "as of" time may be and still mean "now" (a client's clock running fast).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static FieldErrors CheckPaging(this FieldErrors errors, int? page, int? pageSize)
    {
        if (page is < 1) errors.Add("page", "'page' starts at 1.");
        if (pageSize is < 1 or > MaxPageSize) errors.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        else if (page is >= 1 && (long)(page.Value - 1) * (pageSize ?? DefaultPageSize) > MaxOffset)
            errors.Add("page", $"'page' {page} starts after the first {MaxOffset:N0} results, which is as far as paging goes; narrow the filters.");
        return errors;
    }
}
