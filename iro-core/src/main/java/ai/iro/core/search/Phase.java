package ai.iro.core.search;

/** The phases a search spends time in. */
enum Phase { MODEL, VALUE, RESAMPLE, REORDER, REWARD }
