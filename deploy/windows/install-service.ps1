# Install the adtools scheduler as a Windows service with NSSM (https://nssm.cc), restarted on failure.
# 用 NSSM 把调度程序安装为 Windows 服务；进程退出后自动重启。
#
# Run in an elevated PowerShell:  .\deploy\windows\install-service.ps1 -Root C:\adtools
# Then:  nssm start adtools-scheduler ;  C:\adtools\venv\Scripts\adtools.exe --config C:\adtools\work\config.toml jobs status
param(
    [string]$Root = "C:\adtools",
    [string]$Nssm = "nssm.exe",
    [string]$Service = "adtools-scheduler"
)
$ErrorActionPreference = "Stop"
$Exe = Join-Path $Root "venv\Scripts\adtools.exe"
$Work = Join-Path $Root "work"
$Config = Join-Path $Work "config.toml"
$Logs = Join-Path $Work "var\log"
New-Item -ItemType Directory -Force -Path $Logs | Out-Null

& $Nssm install $Service $Exe "--config" "`"$Config`"" "scheduler"
& $Nssm set $Service AppDirectory $Work
& $Nssm set $Service DisplayName "adtools scheduler (DDB / Haier)"
& $Nssm set $Service Start SERVICE_DELAYED_AUTO_START
# Restart whenever it exits, except exit code 3 (another scheduler holds the ledger)
& $Nssm set $Service AppExit Default Restart
& $Nssm set $Service AppExit 3 Exit
& $Nssm set $Service AppRestartDelay 30000
# On stop: Ctrl-C first, and time for the running job to finish ([scheduler] time_limit_minutes)
& $Nssm set $Service AppStopMethodConsole 2100000
# What the process prints, rotated by NSSM (the scheduler rotates its own log too: [scheduler] log)
& $Nssm set $Service AppStdout (Join-Path $Logs "service-out.log")
& $Nssm set $Service AppStderr (Join-Path $Logs "service-err.log")
& $Nssm set $Service AppRotateFiles 1
& $Nssm set $Service AppRotateOnline 1
& $Nssm set $Service AppRotateBytes 10485760
# Secrets: set them for the service only, never in config.toml, e.g.
#   nssm set adtools-scheduler AppEnvironmentExtra ADTOOLS_EXCHANGE_PASSWORD=...
# and run the service as the mail service account:
#   nssm set adtools-scheduler ObjectName AGENCY\svc-adtools <password>
Write-Host "Installed $Service. Start it with: $Nssm start $Service"
