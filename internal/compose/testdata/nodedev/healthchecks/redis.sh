#!/bin/sh
[ "$(redis-cli ping)" = PONG ]
