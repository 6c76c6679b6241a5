#!/bin/sh
# Event script of busybox udhcpc inside the appliance. $1 is the event
# (deconfig, bound, renew, leasefail, nak); the lease is in the environment
# ($interface, $ip, $subnet, $router).

LEASE_FILE=/run/lease

apply_lease() {
  ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
  for r in $router; do
    ip route replace default via "$r" dev "$interface" && break
  done
  echo "$ip" >"$LEASE_FILE"
  echo "DESKFLEET-APPLIANCE lease=$ip" >/dev/console
}

case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    rm -f "$LEASE_FILE"
    ;;
  bound | renew)
    # A renewal that keeps the same address changes nothing and says nothing.
    [ "$ip" = "$(cat "$LEASE_FILE" 2>/dev/null)" ] || apply_lease
    ;;
esac
exit 0
