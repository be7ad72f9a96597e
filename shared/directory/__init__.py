"""The directory of the territorial network as every service sees it: a projection of the
network ledger's resource events, which intake and casework consult (never the network
service's database) before a referral or an intervention points at a resource."""
