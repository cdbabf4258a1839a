// The Stage 1 result types every public entry shares ('finerouter' for router users who read tasks.json and
// manifests, 'finerouter/train' for those who build routers). One list, re-exported by both entries. Types only.
export type {
  DiscoveryResult,
  DiscoveredTask,
  DiscoveryOthers,
  DiscoveryOptions,
  ResolvedDiscoveryOptions,
  DiscoveryStage,
  DiscoveryStats,
  DiscoveryLevelStats,
  Describer,
  DescribeOptions,
  FusedScore,
  TasksFile,
} from './types.js';
