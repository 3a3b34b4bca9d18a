[
  {
    "name": "${container_name}",
    "image": "${image}",
    "essential": true,
    "user": "10001:10001",
    "readonlyRootFilesystem": true,
    "stopTimeout": 30,
    "portMappings": [
      {
        "name": "http",
        "containerPort": 8000,
        "hostPort": 8000,
        "protocol": "tcp",
        "appProtocol": "http"
      }
    ],
    "environment": [
      {"name": "DJANGO_ALLOWED_HOSTS", "value": "${allowed_hosts}"},
      {"name": "DJANGO_CSRF_TRUSTED_ORIGINS", "value": "${csrf_trusted_origins}"},
      {"name": "DJANGO_SECURE_SSL_REDIRECT", "value": "true"},
      {"name": "DB_HOST", "value": "${db_host}"},
      {"name": "DB_PORT", "value": "${db_port}"},
      {"name": "DB_NAME", "value": "${db_name}"},
      {"name": "DB_USERNAME", "value": "${db_username}"},
      {"name": "DB_REPLICA_HOST", "value": "${db_replica_host}"},
      {"name": "DB_SSLMODE", "value": "verify-full"},
      {"name": "DB_SSLROOTCERT", "value": "/etc/ssl/certs/rds-global-bundle.pem"},
      {"name": "AWS_REGION", "value": "${aws_region}"},
      {"name": "SECRETS_MANAGER_SECRET_NAME", "value": "${db_secret_name}"},
      {"name": "AWS_STORAGE_BUCKET_NAME", "value": "${media_bucket}"},
      {"name": "AWS_S3_CUSTOM_DOMAIN", "value": "${media_domain}"},
      {"name": "KEYCLOAK_URL", "value": "${keycloak_url}"},
      {"name": "KEYCLOAK_REALM", "value": "${keycloak_realm}"},
      {"name": "OIDC_RP_CLIENT_ID", "value": "${oidc_client_id}"},
      {"name": "SHOP_STAFF_EMAILS", "value": "${staff_emails}"},
      {"name": "METRICS_NAMESPACE", "value": "${metrics_namespace}"},
      {"name": "DJANGO_DEFAULT_FROM_EMAIL", "value": "${from_email}"}
    ],
    "secrets": [
      {"name": "DJANGO_SECRET_KEY", "valueFrom": "${django_secret_key_arn}"},
      {"name": "OIDC_RP_CLIENT_SECRET", "valueFrom": "${oidc_client_secret_arn}"},
      {"name": "REDIS_URL", "valueFrom": "${redis_url_arn}"},
      {"name": "DJANGO_EMAIL_URL", "valueFrom": "${email_url_arn}"},
      {"name": "HEALTH_DETAIL_TOKEN", "valueFrom": "${health_detail_token_arn}"}
    ],
    "mountPoints": [
      {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": false}
    ],
    "linuxParameters": {
      "initProcessEnabled": true,
      "capabilities": {"drop": ["ALL"]}
    },
    "healthCheck": {
      "command": [
        "CMD",
        "python",
        "-c",
        "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/live/', timeout=4)"
      ],
      "interval": 30,
      "timeout": 5,
      "retries": 3,
      "startPeriod": 60
    },
    "logConfiguration": {
      "logDriver": "awslogs",
      "options": {
        "awslogs-group": "${log_group}",
        "awslogs-region": "${aws_region}",
        "awslogs-stream-prefix": "storefront",
        "mode": "non-blocking",
        "max-buffer-size": "25m"
      }
    }
  }
]
