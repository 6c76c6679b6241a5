/**
 * XML exactly as libvirt 9.0 returned it (virsh dumpxml --inactive / net-dumpxml
 * --inactive) after defining a guest and a network shaped like deskfleet's: the
 * normalisations (machine alias expanded, controllers, addresses, netmask) that
 * must never read as changes.
 */
export const LIBVIRT_DOMAIN_XML = `
<domain type='qemu'>
  <name>test-demo</name>
  <uuid>7d1b3c2a-9e4f-4a6b-8c5d-1e2f3a4b5c6d</uuid>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='test-pool' volume='test-demo-root.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='test-net'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </interface>
    <serial type='pty'>
      <log file='/var/log/libvirt/qemu/test-demo-console.log' append='off'/>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <log file='/var/log/libvirt/qemu/test-demo-console.log' append='off'/>
      <target type='serial' port='0'/>
    </console>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </memballoon>
  </devices>
</domain>

`;

export const LIBVIRT_NETWORK_XML = `
<network>
  <name>test-net</name>
  <uuid>4f8e3b0a-6f7c-4d7e-9a51-3c1f0a5e2b11</uuid>
  <bridge name='virbr1' stp='on' delay='0'/>
  <mac address='52:54:00:b5:15:77'/>
  <ip address='10.78.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.78.0.10' end='10.78.0.20'/>
    </dhcp>
  </ip>
</network>

`;
