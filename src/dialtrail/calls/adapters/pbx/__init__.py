"""What the self-hosted PBX adapters (asterisk/, freeswitch/) share: their settings columns,
the connection problems a check reports, the provider-neutral event their trackers emit, the
recording of those events, and the listeners that keep one connection per configured PBX
(docs/telephony.md, "Asterisk" and "FreeSWITCH")."""
