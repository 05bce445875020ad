import { describeRunLogStoreConformance } from "@runnable-ts/testing";
import { BufferedRunLogStore } from "../src/index";

describeRunLogStoreConformance("buffered", { create: () => new BufferedRunLogStore() });
