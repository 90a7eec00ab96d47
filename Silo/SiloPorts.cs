namespace Orleans.Replication.Silo;

/// <summary>Port numbering of silos on one machine.</summary>
internal static class SiloPorts
{
    /// <summary>Silo-to-silo port of instance 0; instance I uses SiloBase + I.</summary>
    public const int SiloBase = 11111;

    /// <summary>Client gateway port of instance 0; instance I uses GatewayBase + I.</summary>
    public const int GatewayBase = 30000;
}
