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

    public static FieldErrors CheckPaging(this FieldErrors errors, int? page, int? pageSize)
    {
        if (page is < 1) errors.Add("page", "'page' starts at 1.");
        if (pageSize is < 1 or > MaxPageSize) errors.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        return errors;
    }
}
