{
  owner: 'team-discovery',
  resources: { cpu: '1', memory: '1Gi' },
  env: { LOG_LEVEL: 'warn', REGION: 'eu-west-1' },
}
