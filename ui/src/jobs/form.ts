// The training form as the user types it, saved as a draft between visits.
import type { Priority } from '../lib/bindings';
import type { Row } from './hyperparameters';

export type JobFormState = {
  name: string;
  useImage: boolean;
  model: string;
  image: string;
  dataset: string;
  poolId: string;
  nodes: number;
  npusPerNode: number;
  maxHours: number;
  rows: Row[];
  priority: Priority;
  note: string;
};

/** A new request, from a catalog model when `modelId` is set. */
export function blankJobForm(modelId: string): JobFormState {
  return {
    name: '',
    useImage: modelId === '',
    model: modelId,
    image: '',
    dataset: '',
    poolId: '',
    nodes: 1,
    npusPerNode: 8,
    maxHours: 2,
    rows: [{ key: 'learning_rate', value: '1e-4' }],
    priority: 'normal',
    note: '',
  };
}

/**
 * Fields whose problems show together: the cluster size and hours decide the
 * NPU-hours, so touching any of them shows a quota problem on the others.
 */
export function fieldGroup(field: string): string {
  if (field === 'nodes' || field === 'npus_per_node' || field === 'max_hours') return 'cluster';
  if (field === 'custom_image') return 'base_model';
  return field;
}
