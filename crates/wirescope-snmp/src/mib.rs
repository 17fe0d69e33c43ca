//! Built-in MIB knowledge, no MIB files needed: names of the objects network engineers ask for
//! (SNMPv2-MIB system, IF-MIB, IP-MIB, LLDP-MIB, CISCO-CDP-MIB, ENTITY-MIB, HOST-RESOURCES-MIB)
//! and of the standard notifications with their bindings (coldStart, linkDown, BGP, OSPF, ...),
//! how their values are shown (enumerations, MAC addresses), and name <-> OID translation.

use std::collections::HashMap;

/// How a column's value is rendered beyond its wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Plain,
    /// An INTEGER with named values.
    Enum(&'static [(i64, &'static str)]),
    /// An OCTET STRING holding a MAC address.
    Mac,
    /// An OCTET STRING that is text (DisplayString, SnmpAdminString).
    Text,
}

/// One named object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    pub module: &'static str,
    pub name: &'static str,
    pub oid: &'static [u32],
    pub hint: Hint,
}

const UP_DOWN: &[(i64, &str)] = &[
    (1, "up"),
    (2, "down"),
    (3, "testing"),
    (4, "unknown"),
    (5, "dormant"),
    (6, "notPresent"),
    (7, "lowerLayerDown"),
];
const IF_TYPE: &[(i64, &str)] = &[
    (1, "other"),
    (6, "ethernetCsmacd"),
    (24, "softwareLoopback"),
    (53, "propVirtual"),
    (131, "tunnel"),
    (135, "l2vlan"),
    (136, "l3ipvlan"),
    (161, "ieee8023adLag"),
    (209, "bridge"),
];
const NET_TO_MEDIA_TYPE: &[(i64, &str)] =
    &[(1, "other"), (2, "invalid"), (3, "dynamic"), (4, "static")];
const NET_TO_PHYS_TYPE: &[(i64, &str)] = &[
    (1, "other"),
    (2, "invalid"),
    (3, "dynamic"),
    (4, "static"),
    (5, "local"),
];
const NET_TO_PHYS_STATE: &[(i64, &str)] = &[
    (1, "reachable"),
    (2, "stale"),
    (3, "delay"),
    (4, "probe"),
    (5, "invalid"),
    (6, "unknown"),
    (7, "incomplete"),
];
const INET_TYPE: &[(i64, &str)] = &[
    (0, "unknown"),
    (1, "ipv4"),
    (2, "ipv6"),
    (3, "ipv4z"),
    (4, "ipv6z"),
    (16, "dns"),
];
const CHASSIS_SUBTYPE: &[(i64, &str)] = &[
    (1, "chassisComponent"),
    (2, "interfaceAlias"),
    (3, "portComponent"),
    (4, "macAddress"),
    (5, "networkAddress"),
    (6, "interfaceName"),
    (7, "local"),
];
const PORT_SUBTYPE: &[(i64, &str)] = &[
    (1, "interfaceAlias"),
    (2, "portComponent"),
    (3, "macAddress"),
    (4, "networkAddress"),
    (5, "interfaceName"),
    (6, "agentCircuitId"),
    (7, "local"),
];
const ENT_CLASS: &[(i64, &str)] = &[
    (1, "other"),
    (2, "unknown"),
    (3, "chassis"),
    (4, "backplane"),
    (5, "container"),
    (6, "powerSupply"),
    (7, "fan"),
    (8, "sensor"),
    (9, "module"),
    (10, "port"),
    (11, "stack"),
    (12, "cpu"),
];
const BGP_STATE: &[(i64, &str)] = &[
    (1, "idle"),
    (2, "connect"),
    (3, "active"),
    (4, "opensent"),
    (5, "openconfirm"),
    (6, "established"),
];
const OSPF_NBR_STATE: &[(i64, &str)] = &[
    (1, "down"),
    (2, "attempt"),
    (3, "init"),
    (4, "twoWay"),
    (5, "exchangeStart"),
    (6, "exchange"),
    (7, "loading"),
    (8, "full"),
];
const CCM_COMMAND_SOURCE: &[(i64, &str)] = &[(1, "commandLine"), (2, "snmp")];
const CCM_CONFIG: &[(i64, &str)] = &[
    (1, "erase"),
    (2, "commandSource"),
    (3, "running"),
    (4, "startup"),
    (5, "local"),
    (6, "networkTftp"),
    (7, "networkRcp"),
    (8, "networkFtp"),
    (9, "networkScp"),
];
const TRUTH: &[(i64, &str)] = &[(1, "true"), (2, "false")];
const ROW_STATUS: &[(i64, &str)] = &[
    (1, "active"),
    (2, "notInService"),
    (3, "notReady"),
    (4, "createAndGo"),
    (5, "createAndWait"),
    (6, "destroy"),
];

macro_rules! objects {
    ($( $module:literal $name:ident [$($arc:literal),+] $hint:expr ;)+) => {
        /// Every object wirescope knows by name.
        pub const OBJECTS: &[Object] = &[
            $( Object { module: $module, name: stringify!($name), oid: &[$($arc),+], hint: $hint }, )+
        ];
    };
}

objects! {
    "SNMPv2-MIB" system [1,3,6,1,2,1,1] Hint::Plain;
    "SNMPv2-MIB" sysDescr [1,3,6,1,2,1,1,1] Hint::Text;
    "SNMPv2-MIB" sysObjectID [1,3,6,1,2,1,1,2] Hint::Plain;
    "DISMAN-EVENT-MIB" sysUpTimeInstance [1,3,6,1,2,1,1,3,0] Hint::Plain;
    "SNMPv2-MIB" sysUpTime [1,3,6,1,2,1,1,3] Hint::Plain;
    "SNMPv2-MIB" sysContact [1,3,6,1,2,1,1,4] Hint::Text;
    "SNMPv2-MIB" sysName [1,3,6,1,2,1,1,5] Hint::Text;
    "SNMPv2-MIB" sysLocation [1,3,6,1,2,1,1,6] Hint::Text;
    "SNMPv2-MIB" sysServices [1,3,6,1,2,1,1,7] Hint::Plain;
    "SNMPv2-MIB" sysORLastChange [1,3,6,1,2,1,1,8] Hint::Plain;
    "SNMPv2-MIB" sysORTable [1,3,6,1,2,1,1,9] Hint::Plain;
    "SNMPv2-MIB" sysORID [1,3,6,1,2,1,1,9,1,2] Hint::Plain;
    "SNMPv2-MIB" sysORDescr [1,3,6,1,2,1,1,9,1,3] Hint::Text;
    "SNMPv2-MIB" sysORUpTime [1,3,6,1,2,1,1,9,1,4] Hint::Plain;
    "IF-MIB" interfaces [1,3,6,1,2,1,2] Hint::Plain;
    "IF-MIB" ifNumber [1,3,6,1,2,1,2,1] Hint::Plain;
    "IF-MIB" ifTable [1,3,6,1,2,1,2,2] Hint::Plain;
    "IF-MIB" ifEntry [1,3,6,1,2,1,2,2,1] Hint::Plain;
    "IF-MIB" ifIndex [1,3,6,1,2,1,2,2,1,1] Hint::Plain;
    "IF-MIB" ifDescr [1,3,6,1,2,1,2,2,1,2] Hint::Text;
    "IF-MIB" ifType [1,3,6,1,2,1,2,2,1,3] Hint::Enum(IF_TYPE);
    "IF-MIB" ifMtu [1,3,6,1,2,1,2,2,1,4] Hint::Plain;
    "IF-MIB" ifSpeed [1,3,6,1,2,1,2,2,1,5] Hint::Plain;
    "IF-MIB" ifPhysAddress [1,3,6,1,2,1,2,2,1,6] Hint::Mac;
    "IF-MIB" ifAdminStatus [1,3,6,1,2,1,2,2,1,7] Hint::Enum(UP_DOWN);
    "IF-MIB" ifOperStatus [1,3,6,1,2,1,2,2,1,8] Hint::Enum(UP_DOWN);
    "IF-MIB" ifLastChange [1,3,6,1,2,1,2,2,1,9] Hint::Plain;
    "IF-MIB" ifInOctets [1,3,6,1,2,1,2,2,1,10] Hint::Plain;
    "IF-MIB" ifInUcastPkts [1,3,6,1,2,1,2,2,1,11] Hint::Plain;
    "IF-MIB" ifInNUcastPkts [1,3,6,1,2,1,2,2,1,12] Hint::Plain;
    "IF-MIB" ifInDiscards [1,3,6,1,2,1,2,2,1,13] Hint::Plain;
    "IF-MIB" ifInErrors [1,3,6,1,2,1,2,2,1,14] Hint::Plain;
    "IF-MIB" ifInUnknownProtos [1,3,6,1,2,1,2,2,1,15] Hint::Plain;
    "IF-MIB" ifOutOctets [1,3,6,1,2,1,2,2,1,16] Hint::Plain;
    "IF-MIB" ifOutUcastPkts [1,3,6,1,2,1,2,2,1,17] Hint::Plain;
    "IF-MIB" ifOutNUcastPkts [1,3,6,1,2,1,2,2,1,18] Hint::Plain;
    "IF-MIB" ifOutDiscards [1,3,6,1,2,1,2,2,1,19] Hint::Plain;
    "IF-MIB" ifOutErrors [1,3,6,1,2,1,2,2,1,20] Hint::Plain;
    "IF-MIB" ifOutQLen [1,3,6,1,2,1,2,2,1,21] Hint::Plain;
    "IF-MIB" ifSpecific [1,3,6,1,2,1,2,2,1,22] Hint::Plain;
    "IF-MIB" ifXTable [1,3,6,1,2,1,31,1,1] Hint::Plain;
    "IF-MIB" ifXEntry [1,3,6,1,2,1,31,1,1,1] Hint::Plain;
    "IF-MIB" ifName [1,3,6,1,2,1,31,1,1,1,1] Hint::Text;
    "IF-MIB" ifInMulticastPkts [1,3,6,1,2,1,31,1,1,1,2] Hint::Plain;
    "IF-MIB" ifInBroadcastPkts [1,3,6,1,2,1,31,1,1,1,3] Hint::Plain;
    "IF-MIB" ifOutMulticastPkts [1,3,6,1,2,1,31,1,1,1,4] Hint::Plain;
    "IF-MIB" ifOutBroadcastPkts [1,3,6,1,2,1,31,1,1,1,5] Hint::Plain;
    "IF-MIB" ifHCInOctets [1,3,6,1,2,1,31,1,1,1,6] Hint::Plain;
    "IF-MIB" ifHCInUcastPkts [1,3,6,1,2,1,31,1,1,1,7] Hint::Plain;
    "IF-MIB" ifHCInMulticastPkts [1,3,6,1,2,1,31,1,1,1,8] Hint::Plain;
    "IF-MIB" ifHCInBroadcastPkts [1,3,6,1,2,1,31,1,1,1,9] Hint::Plain;
    "IF-MIB" ifHCOutOctets [1,3,6,1,2,1,31,1,1,1,10] Hint::Plain;
    "IF-MIB" ifHCOutUcastPkts [1,3,6,1,2,1,31,1,1,1,11] Hint::Plain;
    "IF-MIB" ifHCOutMulticastPkts [1,3,6,1,2,1,31,1,1,1,12] Hint::Plain;
    "IF-MIB" ifHCOutBroadcastPkts [1,3,6,1,2,1,31,1,1,1,13] Hint::Plain;
    "IF-MIB" ifLinkUpDownTrapEnable [1,3,6,1,2,1,31,1,1,1,14] Hint::Plain;
    "IF-MIB" ifHighSpeed [1,3,6,1,2,1,31,1,1,1,15] Hint::Plain;
    "IF-MIB" ifPromiscuousMode [1,3,6,1,2,1,31,1,1,1,16] Hint::Enum(TRUTH);
    "IF-MIB" ifConnectorPresent [1,3,6,1,2,1,31,1,1,1,17] Hint::Enum(TRUTH);
    "IF-MIB" ifAlias [1,3,6,1,2,1,31,1,1,1,18] Hint::Text;
    "IF-MIB" ifCounterDiscontinuityTime [1,3,6,1,2,1,31,1,1,1,19] Hint::Plain;
    "IP-MIB" ip [1,3,6,1,2,1,4] Hint::Plain;
    "IP-MIB" ipForwarding [1,3,6,1,2,1,4,1] Hint::Enum(&[(1, "forwarding"), (2, "notForwarding")]);
    "IP-MIB" ipDefaultTTL [1,3,6,1,2,1,4,2] Hint::Plain;
    "IP-MIB" ipAddrTable [1,3,6,1,2,1,4,20] Hint::Plain;
    "IP-MIB" ipAdEntAddr [1,3,6,1,2,1,4,20,1,1] Hint::Plain;
    "IP-MIB" ipAdEntIfIndex [1,3,6,1,2,1,4,20,1,2] Hint::Plain;
    "IP-MIB" ipAdEntNetMask [1,3,6,1,2,1,4,20,1,3] Hint::Plain;
    "IP-MIB" ipAdEntBcastAddr [1,3,6,1,2,1,4,20,1,4] Hint::Plain;
    "IP-MIB" ipAdEntReasmMaxSize [1,3,6,1,2,1,4,20,1,5] Hint::Plain;
    "IP-MIB" ipNetToMediaTable [1,3,6,1,2,1,4,22] Hint::Plain;
    "IP-MIB" ipNetToMediaIfIndex [1,3,6,1,2,1,4,22,1,1] Hint::Plain;
    "IP-MIB" ipNetToMediaPhysAddress [1,3,6,1,2,1,4,22,1,2] Hint::Mac;
    "IP-MIB" ipNetToMediaNetAddress [1,3,6,1,2,1,4,22,1,3] Hint::Plain;
    "IP-MIB" ipNetToMediaType [1,3,6,1,2,1,4,22,1,4] Hint::Enum(NET_TO_MEDIA_TYPE);
    "IP-MIB" ipNetToPhysicalTable [1,3,6,1,2,1,4,35] Hint::Plain;
    "IP-MIB" ipNetToPhysicalIfIndex [1,3,6,1,2,1,4,35,1,1] Hint::Plain;
    "IP-MIB" ipNetToPhysicalNetAddressType [1,3,6,1,2,1,4,35,1,2] Hint::Enum(INET_TYPE);
    "IP-MIB" ipNetToPhysicalNetAddress [1,3,6,1,2,1,4,35,1,3] Hint::Plain;
    "IP-MIB" ipNetToPhysicalPhysAddress [1,3,6,1,2,1,4,35,1,4] Hint::Mac;
    "IP-MIB" ipNetToPhysicalLastUpdated [1,3,6,1,2,1,4,35,1,5] Hint::Plain;
    "IP-MIB" ipNetToPhysicalType [1,3,6,1,2,1,4,35,1,6] Hint::Enum(NET_TO_PHYS_TYPE);
    "IP-MIB" ipNetToPhysicalState [1,3,6,1,2,1,4,35,1,7] Hint::Enum(NET_TO_PHYS_STATE);
    "IP-MIB" ipNetToPhysicalRowStatus [1,3,6,1,2,1,4,35,1,8] Hint::Enum(ROW_STATUS);
    "LLDP-MIB" lldpMIB [1,0,8802,1,1,2] Hint::Plain;
    "LLDP-MIB" lldpLocSysName [1,0,8802,1,1,2,1,3,3] Hint::Text;
    "LLDP-MIB" lldpLocPortTable [1,0,8802,1,1,2,1,3,7] Hint::Plain;
    "LLDP-MIB" lldpLocPortIdSubtype [1,0,8802,1,1,2,1,3,7,1,2] Hint::Enum(PORT_SUBTYPE);
    "LLDP-MIB" lldpLocPortId [1,0,8802,1,1,2,1,3,7,1,3] Hint::Text;
    "LLDP-MIB" lldpLocPortDesc [1,0,8802,1,1,2,1,3,7,1,4] Hint::Text;
    "LLDP-MIB" lldpRemTable [1,0,8802,1,1,2,1,4,1] Hint::Plain;
    "LLDP-MIB" lldpRemChassisIdSubtype [1,0,8802,1,1,2,1,4,1,1,4] Hint::Enum(CHASSIS_SUBTYPE);
    "LLDP-MIB" lldpRemChassisId [1,0,8802,1,1,2,1,4,1,1,5] Hint::Plain;
    "LLDP-MIB" lldpRemPortIdSubtype [1,0,8802,1,1,2,1,4,1,1,6] Hint::Enum(PORT_SUBTYPE);
    "LLDP-MIB" lldpRemPortId [1,0,8802,1,1,2,1,4,1,1,7] Hint::Plain;
    "LLDP-MIB" lldpRemPortDesc [1,0,8802,1,1,2,1,4,1,1,8] Hint::Text;
    "LLDP-MIB" lldpRemSysName [1,0,8802,1,1,2,1,4,1,1,9] Hint::Text;
    "LLDP-MIB" lldpRemSysDesc [1,0,8802,1,1,2,1,4,1,1,10] Hint::Text;
    "LLDP-MIB" lldpRemSysCapSupported [1,0,8802,1,1,2,1,4,1,1,11] Hint::Plain;
    "LLDP-MIB" lldpRemSysCapEnabled [1,0,8802,1,1,2,1,4,1,1,12] Hint::Plain;
    "LLDP-MIB" lldpRemManAddrTable [1,0,8802,1,1,2,1,4,2] Hint::Plain;
    "LLDP-MIB" lldpRemManAddrIfSubtype [1,0,8802,1,1,2,1,4,2,1,3] Hint::Plain;
    "LLDP-MIB" lldpRemManAddrIfId [1,0,8802,1,1,2,1,4,2,1,4] Hint::Plain;
    "CISCO-CDP-MIB" cdpCacheTable [1,3,6,1,4,1,9,9,23,1,2,1] Hint::Plain;
    "CISCO-CDP-MIB" cdpCacheAddressType [1,3,6,1,4,1,9,9,23,1,2,1,1,3] Hint::Enum(&[(1, "ip")]);
    "CISCO-CDP-MIB" cdpCacheAddress [1,3,6,1,4,1,9,9,23,1,2,1,1,4] Hint::Plain;
    "CISCO-CDP-MIB" cdpCacheVersion [1,3,6,1,4,1,9,9,23,1,2,1,1,5] Hint::Text;
    "CISCO-CDP-MIB" cdpCacheDeviceId [1,3,6,1,4,1,9,9,23,1,2,1,1,6] Hint::Text;
    "CISCO-CDP-MIB" cdpCacheDevicePort [1,3,6,1,4,1,9,9,23,1,2,1,1,7] Hint::Text;
    "CISCO-CDP-MIB" cdpCachePlatform [1,3,6,1,4,1,9,9,23,1,2,1,1,8] Hint::Text;
    "CISCO-CDP-MIB" cdpCacheCapabilities [1,3,6,1,4,1,9,9,23,1,2,1,1,9] Hint::Plain;
    "ENTITY-MIB" entPhysicalTable [1,3,6,1,2,1,47,1,1,1] Hint::Plain;
    "ENTITY-MIB" entPhysicalDescr [1,3,6,1,2,1,47,1,1,1,1,2] Hint::Text;
    "ENTITY-MIB" entPhysicalClass [1,3,6,1,2,1,47,1,1,1,1,5] Hint::Enum(ENT_CLASS);
    "ENTITY-MIB" entPhysicalName [1,3,6,1,2,1,47,1,1,1,1,7] Hint::Text;
    "ENTITY-MIB" entPhysicalHardwareRev [1,3,6,1,2,1,47,1,1,1,1,8] Hint::Text;
    "ENTITY-MIB" entPhysicalFirmwareRev [1,3,6,1,2,1,47,1,1,1,1,9] Hint::Text;
    "ENTITY-MIB" entPhysicalSoftwareRev [1,3,6,1,2,1,47,1,1,1,1,10] Hint::Text;
    "ENTITY-MIB" entPhysicalSerialNum [1,3,6,1,2,1,47,1,1,1,1,11] Hint::Text;
    "ENTITY-MIB" entPhysicalModelName [1,3,6,1,2,1,47,1,1,1,1,13] Hint::Text;
    "HOST-RESOURCES-MIB" hrSystemUptime [1,3,6,1,2,1,25,1,1] Hint::Plain;
    "HOST-RESOURCES-MIB" hrSystemNumUsers [1,3,6,1,2,1,25,1,5] Hint::Plain;
    "HOST-RESOURCES-MIB" hrSystemProcesses [1,3,6,1,2,1,25,1,6] Hint::Plain;
    "HOST-RESOURCES-MIB" hrMemorySize [1,3,6,1,2,1,25,2,2] Hint::Plain;
    "HOST-RESOURCES-MIB" hrStorageTable [1,3,6,1,2,1,25,2,3] Hint::Plain;
    "HOST-RESOURCES-MIB" hrStorageDescr [1,3,6,1,2,1,25,2,3,1,3] Hint::Text;
    "HOST-RESOURCES-MIB" hrStorageAllocationUnits [1,3,6,1,2,1,25,2,3,1,4] Hint::Plain;
    "HOST-RESOURCES-MIB" hrStorageSize [1,3,6,1,2,1,25,2,3,1,5] Hint::Plain;
    "HOST-RESOURCES-MIB" hrStorageUsed [1,3,6,1,2,1,25,2,3,1,6] Hint::Plain;
    "HOST-RESOURCES-MIB" hrProcessorLoad [1,3,6,1,2,1,25,3,3,1,2] Hint::Plain;
    "SNMPv2-MIB" snmpTrapOID [1,3,6,1,6,3,1,1,4,1] Hint::Plain;
    "SNMPv2-MIB" snmpTrapEnterprise [1,3,6,1,6,3,1,1,4,3] Hint::Plain;
    "SNMPv2-MIB" coldStart [1,3,6,1,6,3,1,1,5,1] Hint::Plain;
    "SNMPv2-MIB" warmStart [1,3,6,1,6,3,1,1,5,2] Hint::Plain;
    "IF-MIB" linkDown [1,3,6,1,6,3,1,1,5,3] Hint::Plain;
    "IF-MIB" linkUp [1,3,6,1,6,3,1,1,5,4] Hint::Plain;
    "SNMPv2-MIB" authenticationFailure [1,3,6,1,6,3,1,1,5,5] Hint::Plain;
    "RFC1213-MIB" egpNeighborLoss [1,3,6,1,6,3,1,1,5,6] Hint::Plain;
    "SNMP-COMMUNITY-MIB" snmpTrapAddress [1,3,6,1,6,3,18,1,3] Hint::Plain;
    "SNMP-COMMUNITY-MIB" snmpTrapCommunity [1,3,6,1,6,3,18,1,4] Hint::Text;
    "LLDP-MIB" lldpRemTablesChange [1,0,8802,1,1,2,0,0,1] Hint::Plain;
    "LLDP-MIB" lldpStatsRemTablesInserts [1,0,8802,1,1,2,1,2,2] Hint::Plain;
    "LLDP-MIB" lldpStatsRemTablesDeletes [1,0,8802,1,1,2,1,2,3] Hint::Plain;
    "LLDP-MIB" lldpStatsRemTablesDrops [1,0,8802,1,1,2,1,2,4] Hint::Plain;
    "LLDP-MIB" lldpStatsRemTablesAgeouts [1,0,8802,1,1,2,1,2,5] Hint::Plain;
    "ENTITY-MIB" entConfigChange [1,3,6,1,2,1,47,2,0,1] Hint::Plain;
    "ENTITY-MIB" entLastChangeTime [1,3,6,1,2,1,47,1,4,1] Hint::Plain;
    "BGP4-MIB" bgpPeerState [1,3,6,1,2,1,15,3,1,2] Hint::Enum(BGP_STATE);
    "BGP4-MIB" bgpPeerRemoteAddr [1,3,6,1,2,1,15,3,1,7] Hint::Plain;
    "BGP4-MIB" bgpPeerLastError [1,3,6,1,2,1,15,3,1,14] Hint::Plain;
    "BGP4-MIB" bgpEstablished [1,3,6,1,2,1,15,7,1] Hint::Plain;
    "BGP4-MIB" bgpBackwardTransition [1,3,6,1,2,1,15,7,2] Hint::Plain;
    "BGP4-MIB" bgpEstablishedNotification [1,3,6,1,2,1,15,0,1] Hint::Plain;
    "BGP4-MIB" bgpBackwardTransNotification [1,3,6,1,2,1,15,0,2] Hint::Plain;
    "OSPF-MIB" ospfNbrState [1,3,6,1,2,1,14,10,1,6] Hint::Enum(OSPF_NBR_STATE);
    "OSPF-TRAP-MIB" ospfNbrStateChange [1,3,6,1,2,1,14,16,2,2] Hint::Plain;
    "OSPF-TRAP-MIB" ospfIfStateChange [1,3,6,1,2,1,14,16,2,16] Hint::Plain;
    "DISMAN-EVENT-MIB" mteTriggerFired [1,3,6,1,2,1,88,2,0,1] Hint::Plain;
    "DISMAN-EVENT-MIB" mteHotTrigger [1,3,6,1,2,1,88,2,1,1] Hint::Text;
    "DISMAN-EVENT-MIB" mteHotTargetName [1,3,6,1,2,1,88,2,1,2] Hint::Text;
    "DISMAN-EVENT-MIB" mteHotContextName [1,3,6,1,2,1,88,2,1,3] Hint::Text;
    "DISMAN-EVENT-MIB" mteHotOID [1,3,6,1,2,1,88,2,1,4] Hint::Plain;
    "DISMAN-EVENT-MIB" mteHotValue [1,3,6,1,2,1,88,2,1,5] Hint::Plain;
    "NET-SNMP-AGENT-MIB" nsNotifyStart [1,3,6,1,4,1,8072,4,0,1] Hint::Plain;
    "NET-SNMP-AGENT-MIB" nsNotifyShutdown [1,3,6,1,4,1,8072,4,0,2] Hint::Plain;
    "NET-SNMP-AGENT-MIB" nsNotifyRestart [1,3,6,1,4,1,8072,4,0,3] Hint::Plain;
    "CISCO-CONFIG-MAN-MIB" ccmHistoryEventCommandSource [1,3,6,1,4,1,9,9,43,1,1,6,1,3] Hint::Enum(CCM_COMMAND_SOURCE);
    "CISCO-CONFIG-MAN-MIB" ccmHistoryEventConfigSource [1,3,6,1,4,1,9,9,43,1,1,6,1,4] Hint::Enum(CCM_CONFIG);
    "CISCO-CONFIG-MAN-MIB" ccmHistoryEventConfigDestination [1,3,6,1,4,1,9,9,43,1,1,6,1,5] Hint::Enum(CCM_CONFIG);
    "CISCO-CONFIG-MAN-MIB" ciscoConfigManEvent [1,3,6,1,4,1,9,9,43,2,0,1] Hint::Plain;
    "CISCO-SYSLOG-MIB" clogHistFacility [1,3,6,1,4,1,9,9,41,1,2,3,1,2] Hint::Text;
    "CISCO-SYSLOG-MIB" clogHistSeverity [1,3,6,1,4,1,9,9,41,1,2,3,1,3] Hint::Plain;
    "CISCO-SYSLOG-MIB" clogHistMsgName [1,3,6,1,4,1,9,9,41,1,2,3,1,4] Hint::Text;
    "CISCO-SYSLOG-MIB" clogHistMsgText [1,3,6,1,4,1,9,9,41,1,2,3,1,5] Hint::Text;
    "CISCO-SYSLOG-MIB" clogMessageGenerated [1,3,6,1,4,1,9,9,41,2,0,1] Hint::Plain;
}

/// Parses an OID given as numbers (`1.3.6.1.2.1.1.5.0`, `.1.3...`) or as a name with an optional
/// module and instance (`sysName.0`, `IF-MIB::ifDescr`, `ifDescr.3`).
pub fn parse_oid(text: &str) -> Result<Vec<u32>, OidError> {
    parse_oid_text(text).map_err(OidError)
}

/// Why a text is not an OID (the message names the part at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OidError(pub String);

impl From<OidError> for String {
    fn from(e: OidError) -> String {
        e.0
    }
}

fn parse_oid_text(text: &str) -> Result<Vec<u32>, String> {
    let t = text.trim();
    let numeric = t.strip_prefix('.').unwrap_or(t);
    if !numeric.is_empty() && numeric.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let arcs: Result<Vec<u32>, _> = numeric.split('.').map(str::parse::<u32>).collect();
        return match arcs {
            Ok(a) if a.len() >= 2 && a[0] <= 2 => Ok(a),
            _ => Err(format!("'{text}' is not a valid OID")),
        };
    }
    let (module, rest) = match t.split_once("::") {
        Some((m, r)) => (Some(m), r),
        None => (None, t),
    };
    let (name, instance) = match rest.split_once('.') {
        Some((n, i)) => (n, Some(i)),
        None => (rest, None),
    };
    let obj = OBJECTS
        .iter()
        .find(|o| o.name == name && module.is_none_or(|m| m.eq_ignore_ascii_case(o.module)))
        .ok_or_else(|| match module {
            Some(m) => format!(
                "unknown object '{name}' in {m} (wirescope knows {}; use a numeric OID otherwise)",
                known_modules()
            ),
            None => format!(
                "unknown object name '{name}' (use a numeric OID, or a name from {})",
                known_modules()
            ),
        })?;
    let mut arcs = obj.oid.to_vec();
    if let Some(inst) = instance {
        for part in inst.split('.') {
            arcs.push(
                part.parse()
                    .map_err(|_| format!("'{text}': instance '{inst}' is not numeric"))?,
            );
        }
    }
    Ok(arcs)
}

fn known_modules() -> String {
    let mut m: Vec<&str> = OBJECTS.iter().map(|o| o.module).collect();
    m.dedup();
    m.join(", ")
}

/// Every object by its OID (a trap receiver looks up every binding of every trap: a hash
/// lookup per length the table's OIDs have, not a scan of the table).
type ByOid = HashMap<&'static [u32], &'static Object, ArcHash>;

/// The index, and the lengths its keys have, longest first (a lookup tries only those).
static INDEX: std::sync::LazyLock<(ByOid, Vec<usize>)> = std::sync::LazyLock::new(|| {
    let map: ByOid = OBJECTS.iter().map(|o| (o.oid, o)).collect();
    let mut lengths: Vec<usize> = OBJECTS.iter().map(|o| o.oid.len()).collect();
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    lengths.dedup();
    (map, lengths)
});

/// A multiplicative hash over whole arcs for the index: its keys are short arc lists of our own
/// table, not attacker-chosen (SipHash's flooding defence buys nothing there, and costs a tenth
/// of a trap's handling).
#[derive(Default, Clone, Copy)]
struct ArcHash;

impl std::hash::BuildHasher for ArcHash {
    type Hasher = ArcHasher;
    fn build_hasher(&self) -> ArcHasher {
        ArcHasher(0)
    }
}

struct ArcHasher(u64);

impl ArcHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for ArcHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(4);
        for w in &mut words {
            self.add(u64::from(u32::from_ne_bytes([w[0], w[1], w[2], w[3]])));
        }
        for b in words.remainder() {
            self.add(u64::from(*b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// The most specific known object containing `oid`, and the instance arcs after it.
pub fn lookup(oid: &[u32]) -> Option<(&'static Object, &[u32])> {
    let (map, lengths) = &*INDEX;
    lengths
        .iter()
        .filter(|&&n| n <= oid.len())
        .find_map(|&n| map.get(&oid[..n]).map(|o| (*o, &oid[n..])))
}

/// `MODULE::name.instance` for a known OID, like net-snmp's default output.
pub fn name_of(oid: &[u32]) -> Option<String> {
    let (o, inst) = lookup(oid)?;
    let mut s = String::with_capacity(o.module.len() + 2 + o.name.len() + inst.len() * 4);
    s.push_str(o.module);
    s.push_str("::");
    s.push_str(o.name);
    push_arcs(&mut s, inst);
    Some(s)
}

/// The dotted numeric form with a leading dot, as `snmpwalk -On` prints it.
pub fn dotted(oid: &[u32]) -> String {
    let mut s = String::with_capacity(oid.len() * 4);
    push_arcs(&mut s, oid);
    s
}

/// `.a.b.c` onto `s` (a trap receiver writes a few dozen arcs per trap: not through `fmt`).
fn push_arcs(s: &mut String, arcs: &[u32]) {
    let mut digits = itoa::Buffer::new();
    for a in arcs {
        s.push('.');
        s.push_str(digits.format(*a));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_instances() {
        assert_eq!(parse_oid("sysName.0"), Ok(vec![1, 3, 6, 1, 2, 1, 1, 5, 0]));
        assert_eq!(
            parse_oid("IF-MIB::ifDescr"),
            Ok(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2])
        );
        assert_eq!(
            parse_oid("ifDescr.3"),
            Ok(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 3])
        );
        assert_eq!(
            parse_oid(".1.3.6.1.2.1.1.1.0"),
            Ok(vec![1, 3, 6, 1, 2, 1, 1, 1, 0])
        );
        assert_eq!(
            parse_oid("1.0.8802.1.1.2.1.4.1"),
            Ok(vec![1, 0, 8802, 1, 1, 2, 1, 4, 1])
        );
        assert_eq!(
            parse_oid("lldpRemTable"),
            parse_oid("LLDP-MIB::lldpRemTable")
        );
    }

    #[test]
    fn bad_oids_are_named() {
        assert!(
            parse_oid("sysNaem.0")
                .unwrap_err()
                .0
                .contains("unknown object name 'sysNaem'")
        );
        assert!(
            parse_oid("IF-MIB::sysName")
                .unwrap_err()
                .0
                .contains("unknown object 'sysName' in IF-MIB")
        );
        assert!(
            parse_oid("1.3.x")
                .unwrap_err()
                .0
                .contains("unknown object name")
        );
        assert_eq!(
            parse_oid("7.1.2"),
            Err(OidError("'7.1.2' is not a valid OID".into()))
        );
        assert_eq!(
            parse_oid("1"),
            Err(OidError("'1' is not a valid OID".into()))
        );
        assert!(
            parse_oid("ifDescr.a")
                .unwrap_err()
                .0
                .contains("instance 'a' is not numeric")
        );
        assert!(parse_oid("1.3.6.99999999999").is_err());
    }

    #[test]
    fn reverse_lookup_picks_the_most_specific() {
        assert_eq!(
            name_of(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 2]).as_deref(),
            Some("IF-MIB::ifAdminStatus.2")
        );
        assert_eq!(
            name_of(&[1, 3, 6, 1, 2, 1, 1, 3, 0]).as_deref(),
            Some("DISMAN-EVENT-MIB::sysUpTimeInstance")
        );
        assert_eq!(name_of(&[1, 3, 6, 1, 4, 1, 99]), None);
        assert_eq!(dotted(&[1, 3, 6, 1]), ".1.3.6.1");
    }

    #[test]
    fn every_name_is_unique_per_module_and_every_oid_once() {
        let mut seen = std::collections::HashSet::new();
        let mut oids = std::collections::HashSet::new();
        for o in OBJECTS {
            assert!(
                seen.insert((o.module, o.name)),
                "{}::{} twice",
                o.module,
                o.name
            );
            assert!(oids.insert(o.oid), "{}::{}'s OID twice", o.module, o.name);
        }
    }
}
