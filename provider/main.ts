/**
 * Entry point of the plugin executable pulumi-resource-deskfleet (see
 * provider/bin/): serves the provider over gRPC to the Pulumi engine.
 */
import "./compileCache";
import { main } from "@pulumi/pulumi/provider";
import { connectEngine } from "./engineLog";
import { DeskfleetProvider } from "./index";
import { readWithoutState } from "./readWithoutState";

readWithoutState();
connectEngine(process.argv.slice(2));
void main(new DeskfleetProvider(), process.argv.slice(2));
