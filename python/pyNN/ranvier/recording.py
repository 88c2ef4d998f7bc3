"""
Recording for the Ranvier backend: the kernel keeps spikes and analog
samples; this Recorder asks for them as whole arrays.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np

from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    _simulator = simulator

    @property
    def _handle(self):
        return self.population._handle

    def _indices(self, ids):
        if len(ids) == 0:   # e.g. a process that holds none of the recorded cells
            return np.zeros(0, dtype=np.int64)
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64, count=len(ids))
        return np.ascontiguousarray(self.population.id_to_index(ids), dtype=np.int64)

    def _record(self, variable, new_ids, sampling_interval=None):
        kernel = simulator.state.kernel
        if variable.name != "spikes" and sampling_interval is not None:
            kernel.rec_set_interval(self._handle, float(sampling_interval))
            self.sampling_interval = sampling_interval
        if new_ids:
            kernel.rec_set(self._handle, variable.name, self._indices(sorted(new_ids)), True)

    def _reset(self):
        kernel = simulator.state.kernel
        for variable in self.recorded:
            kernel.rec_set(self._handle, variable.name, None, False)

    def _get_spiketimes(self, ids, clear=False):
        raw_idx, raw_t = simulator.state.kernel.rec_get_spikes(self._handle)
        index = np.frombuffer(raw_idx, dtype=np.uint32)
        times = np.frombuffer(raw_t, dtype=np.float64)
        wanted = self._indices(ids)
        if wanted.size != self.population.size:
            keep = np.isin(index, wanted)
            index, times = index[keep], times[keep]
        id_array = index.astype(np.int64) + int(self.population.first_id)
        return id_array, times.copy()

    def _get_all_signals(self, variable, ids, clear=False):
        kernel = simulator.state.kernel
        n, t_first, interval = kernel.rec_signal_info(self._handle, variable.name)
        idx = self._indices(ids)
        out = np.empty((n, idx.size))
        kernel.rec_get_signal(self._handle, variable.name, idx, out)
        # Samples before recording began (cells added to a running
        # recording) are reported as missing, so that row 0 stays at t_start.
        missing = int(round((t_first - float(self._recording_start_time)) / interval))
        if n > 0 and missing > 0:
            out = np.vstack([np.full((missing, idx.size), np.nan), out])
        return out, None

    def _local_count(self, variable, filter_ids=None):
        ids = sorted(self.filter_recorded(variable, filter_ids))
        counts = np.zeros(len(ids), dtype=np.int64)
        if ids:
            simulator.state.kernel.rec_spike_counts(self._handle, self._indices(ids), counts)
        return dict(zip((int(i) for i in ids), counts.tolist()))

    def _clear_simulator(self):
        simulator.state.kernel.rec_clear(self._handle)
