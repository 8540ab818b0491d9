using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;

namespace EventCrm.Infrastructure;

/// <summary>
/// Folds events into a state of type <typeparamref name="T"/> with the state's own <c>static T Create(TEvent)</c>
/// and <c>T Apply(TEvent)</c> methods: the methods Marten folds a stream with, so code that decides several
/// commands in a row on one aggregate (imports, demo data) or works out what a decision leads to sees exactly what
/// a reload from the store would. Nothing is mutated: every step returns a new state, one version on.
/// </summary>
public static class Fold<T> where T : class
{
    private static readonly FrozenDictionary<Type, Func<T?, object, T>> Steps = Discover();
    private static readonly Func<T, int, T>? WithVersion = VersionSetter();

    /// <summary>The event types the state has a Create or Apply method for.</summary>
    public static IReadOnlyCollection<Type> EventTypes => Steps.Keys;

    /// <summary>The state after <paramref name="event"/>; an event the state has no method for is a programming error.</summary>
    public static T Apply(T? state, object @event)
    {
        if (!Steps.TryGetValue(@event.GetType(), out var step))
            throw new InvalidOperationException($"{typeof(T).Name} has no Create or Apply method for {@event.GetType().Name}.");
        var next = step(state, @event);
        return WithVersion is null ? next : WithVersion(next, (state is null ? 0 : VersionOf(state)) + 1);
    }

    public static T Apply(T? state, IEnumerable<object> events) =>
        events.Aggregate(state, (current, e) => Apply(current, e)) ?? throw new InvalidOperationException("No events to fold.");

    private static int VersionOf(T state) => (int)typeof(T).GetProperty("Version")!.GetValue(state)!;

    private static FrozenDictionary<Type, Func<T?, object, T>> Discover()
    {
        var steps = new Dictionary<Type, Func<T?, object, T>>();
        foreach (var method in typeof(T).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                     .Where(m => m.Name is "Create" or "Apply" && m.ReturnType == typeof(T) && m.GetParameters().Length == 1))
        {
            var eventType = method.GetParameters()[0].ParameterType;
            var state = Expression.Parameter(typeof(T), "state");
            var e = Expression.Parameter(typeof(object), "e");
            var call = method.IsStatic
                ? Expression.Call(method, Expression.Convert(e, eventType))
                : Expression.Call(state, method, Expression.Convert(e, eventType));
            var compiled = Expression.Lambda<Func<T?, object, T>>(call, state, e).Compile();
            // An event that can open a stream and also come later (a suppression after a lift) has both: Create
            // starts from nothing, Apply continues a state, as in Marten's fold.
            steps[eventType] = steps.TryGetValue(eventType, out var other)
                ? method.IsStatic ? (s, x) => s is null ? compiled(s, x) : other(s, x) : (s, x) => s is null ? other(s, x) : compiled(s, x)
                : compiled;
        }
        return steps.ToFrozenDictionary();
    }

    /// <summary>A copy with the version set: records clone through <c>with</c>, so the state folded from stays as it was.</summary>
    private static Func<T, int, T>? VersionSetter()
    {
        var version = typeof(T).GetProperty("Version");
        var clone = typeof(T).GetMethod("<Clone>$");
        if (version?.PropertyType != typeof(int) || clone is null) return null;
        var state = Expression.Parameter(typeof(T), "state");
        var value = Expression.Parameter(typeof(int), "version");
        var copy = Expression.Variable(typeof(T), "copy");
        var body = Expression.Block([copy],
            Expression.Assign(copy, Expression.Convert(Expression.Call(state, clone), typeof(T))),
            Expression.Assign(Expression.Property(copy, version), value),
            copy);
        return Expression.Lambda<Func<T, int, T>>(body, state, value).Compile();
    }
}
