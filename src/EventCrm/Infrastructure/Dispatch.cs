using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using JasperFx.Events;

namespace EventCrm.Infrastructure;

/// <summary>
/// Hands each event to the <c>public void Apply(IEvent&lt;TEvent&gt;)</c> method of <typeparamref name="TTarget"/> for
/// its type: for code that folds events of many streams into one result (the models' customer histories). The
/// dispatch is derived from the methods, so there is no second list of event types to keep.
/// </summary>
public static class Dispatch<TTarget> where TTarget : class
{
    private static readonly FrozenDictionary<Type, Action<TTarget, IEvent>> Appliers = Discover();

    /// <summary>The event types the target has an Apply method for: what to read from the store.</summary>
    public static IReadOnlyCollection<Type> EventTypes => Appliers.Keys;

    public static void Apply(TTarget target, IEvent @event)
    {
        if (Appliers.TryGetValue(@event.EventType, out var apply)) apply(target, @event);
    }

    private static FrozenDictionary<Type, Action<TTarget, IEvent>> Discover()
    {
        var appliers = new Dictionary<Type, Action<TTarget, IEvent>>();
        foreach (var method in typeof(TTarget).GetMethods(BindingFlags.Public | BindingFlags.Instance)
                     .Where(m => m.Name == "Apply" && m.ReturnType == typeof(void) && m.GetParameters() is [{ ParameterType.IsGenericType: true } p]
                                 && p.ParameterType.GetGenericTypeDefinition() == typeof(IEvent<>)))
        {
            var wrapped = method.GetParameters()[0].ParameterType;
            var target = Expression.Parameter(typeof(TTarget), "target");
            var e = Expression.Parameter(typeof(IEvent), "e");
            appliers[wrapped.GetGenericArguments()[0]] = Expression.Lambda<Action<TTarget, IEvent>>(
                Expression.Call(target, method, Expression.Convert(e, wrapped)), target, e).Compile();
        }
        return appliers.ToFrozenDictionary();
    }
}
