namespace Orleans.Replication.Protocol;

/// <summary>Where a client reaches the write ingress of the silo that hosts a primary.</summary>
/// <param name="Ingress">The ingress service addressed at the silo's gateway.</param>
/// <param name="GatewayHost">The gateway's IP address, as the client's gateway list names it.</param>
/// <param name="GatewayPort">The gateway's port.</param>
[GenerateSerializer, Immutable, Alias("orepl.WriteIngressAddress")]
public sealed record WriteIngressAddress(
    [property: Id(0)] GrainId Ingress,
    [property: Id(1)] string GatewayHost,
    [property: Id(2)] int GatewayPort);
