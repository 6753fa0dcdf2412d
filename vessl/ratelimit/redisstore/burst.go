package redisstore

import "github.com/vessl-go/vessl-go/vessl/ratelimit"

// burstOf is the fraction of the quota the bucket may admit ahead of the
// pace.
func burstOf(cfg ratelimit.BucketConfig) float64 { return cfg.Burst }
