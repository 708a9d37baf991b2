using System.Diagnostics;
using System.Net.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// YARP's client to Genlook, with one change: the trace context it writes carries no W3C <c>baggage</c>. Baggage is
/// whatever the app put in its own header (ids, tenant names, anything), and a BFF forwards nothing the app chose
/// unless Genlook needs it; <c>traceparent</c>/<c>tracestate</c> still continue the app's trace.
/// </summary>
internal sealed class UpstreamHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (handler.ActivityHeadersPropagator is { } propagator)
        {
            handler.ActivityHeadersPropagator = new NoBaggagePropagator(propagator);
        }
    }

    private sealed class NoBaggagePropagator(DistributedContextPropagator inner) : DistributedContextPropagator
    {
        public override IReadOnlyCollection<string> Fields => inner.Fields;

        // SocketsHttpHandler passes the same static setter every time: its filtered wrapper is made once, not per request.
        private Filtered? _filtered;

        public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
        {
            if (setter is null)
            {
                inner.Inject(activity, carrier, null);
                return;
            }

            var filtered = _filtered;
            if (filtered?.Setter != setter)
            {
                _filtered = filtered = new Filtered(setter);
            }

            inner.Inject(activity, carrier, filtered.Callback);
        }

        private sealed class Filtered(PropagatorSetterCallback setter)
        {
            public PropagatorSetterCallback Setter { get; } = setter;

            public PropagatorSetterCallback Callback { get; } = (c, name, value) =>
            {
                if (!name.Equals("baggage", StringComparison.OrdinalIgnoreCase) && !name.Equals("Correlation-Context", StringComparison.OrdinalIgnoreCase))
                {
                    setter(c, name, value);
                }
            };
        }

        public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
            inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

        public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
            inner.ExtractBaggage(carrier, getter);
    }
}
