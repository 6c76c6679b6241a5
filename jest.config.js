// Three tiers, selectable with `jest --selectProjects <name>`:
//   unit         pure logic, schemas, XDR, XML, components under Pulumi mocks
//   integration  each resource kind and the client against the real libvirt daemon
//   e2e          the real Pulumi CLI driving the real provider and daemon
const tier = (name, extra = {}) => ({
  displayName: name,
  preset: "ts-jest",
  testEnvironment: "node",
  roots: [`<rootDir>/test/${name}`],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    tier("unit"),
    tier("integration", { slowTestThreshold: 30 }),
    tier("e2e", { slowTestThreshold: 300 }),
  ],
};
