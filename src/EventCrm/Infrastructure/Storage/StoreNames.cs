using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Marten;
using Marten.Schema;

namespace EventCrm.Infrastructure.Storage;

/// <summary>
/// The names of tables, columns and JSON members as Marten maps them, for the SQL that LINQ cannot write (reports,
/// bulk reads, triggers). One owner: a renamed type or member changes the SQL with it instead of failing at run
/// time.
/// </summary>
public sealed class StoreNames(IDocumentStore store)
{
    private IReadOnlyStoreOptions Options => store.Options;

    /// <summary>Marten's event table, schema-qualified.</summary>
    public string Events => Options.Schema.ForEvents(true);

    /// <summary>Marten's stream table, schema-qualified.</summary>
    public string Streams => Options.Schema.ForStreams(true);

    /// <summary>The type name an event of type <typeparamref name="T"/> is stored under (<c>mt_events.type</c>).</summary>
    public string EventType<T>() => EventType(typeof(T));

    /// <summary>The type name events of <paramref name="type"/> are stored under.</summary>
    public string EventType(Type type) => ((DocumentStore)store).Events.EventMappingFor(type).EventTypeName;

    /// <summary>The table of documents of type <typeparamref name="T"/>, schema-qualified.</summary>
    public string Table<T>() => TableOf<T>(Options);

    /// <summary>The column Marten duplicates <paramref name="member"/> into (the document must duplicate it).</summary>
    public string Column<T>(Expression<Func<T, object?>> member) => ColumnOf(Options, member);

    /// <summary>The name of the index Marten keeps on the column <paramref name="member"/> is duplicated into.</summary>
    public string Index<T>(Expression<Func<T, object?>> member)
    {
        var column = Column(member);
        var mapping = (DocumentMapping)Options.FindOrResolveDocumentType(typeof(T));
        return mapping.Indexes.OfType<Weasel.Postgresql.Tables.IndexDefinition>()
                   .FirstOrDefault(index => index.Columns is [var only] && only == column)?.Name
               ?? throw new InvalidOperationException($"{typeof(T).Name}.{column} has no index of its own.");
    }

    /// <summary>The document's JSON key for <paramref name="member"/>, for <c>data ->> 'key'</c>.</summary>
    public static string Json<T>(Expression<Func<T, object?>> member) => JsonKey(MemberOf(member));

    public static string TableOf<T>(IReadOnlyStoreOptions options) => options.Schema.For<T>(true);

    public static string EventsOf(IReadOnlyStoreOptions options) => options.Schema.ForEvents(true);

    public static string ColumnOf<T>(IReadOnlyStoreOptions options, Expression<Func<T, object?>> member)
    {
        var property = MemberOf(member);
        var mapping = (DocumentMapping)options.FindOrResolveDocumentType(typeof(T));
        return mapping.DuplicatedFields.FirstOrDefault(f => f.Members.Length == 1 && f.Members[0].Name == property.Name)?.ColumnName
               ?? throw new InvalidOperationException($"{typeof(T).Name}.{property.Name} is not a duplicated column.");
    }

    /// <summary>The JSON key of a member: the serializer writes camelCase names.</summary>
    public static string JsonKey(MemberInfo member) => JsonNamingPolicy.CamelCase.ConvertName(member.Name);

    private static MemberInfo MemberOf<T>(Expression<Func<T, object?>> member) => member.Body switch
    {
        MemberExpression m => m.Member,
        UnaryExpression { Operand: MemberExpression m } => m.Member,
        _ => throw new ArgumentException("Name a property of the document, e.g. x => x.Email.", nameof(member)),
    };
}
